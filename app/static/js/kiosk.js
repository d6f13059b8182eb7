// Kiosk mode: after a while without a touch, go back to the menu (the server also drops a half-filled order).
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-kiosk-idle"), 10) * 1000;
  var home = body.getAttribute("data-kiosk-home");
  if (!idle || !home) { return; }
  var timer = null;
  function restart() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { window.location.assign(home); }, idle);
  }
  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, restart, { passive: true });
  });
  restart();
})();
