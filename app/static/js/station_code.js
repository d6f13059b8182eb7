/* The station's check-in code screen shows the next code by itself: reload when the current one expires. */
(function () {
  "use strict";
  var el = document.querySelector("[data-reload-after]");
  if (!el) { return; }
  var seconds = parseInt(el.getAttribute("data-reload-after"), 10);
  if (seconds > 0) { window.setTimeout(function () { window.location.reload(); }, seconds * 1000); }
})();
