// A form sent back with errors: bring the first field in error into view and put the cursor in it, so a phone
// user sees what to fix instead of a page that seems unchanged.
(function () {
  "use strict";
  var error = document.querySelector(".field-error, .flash-error[role=alert]");
  if (!error) { return; }
  var field = error.closest(".field");
  var input = field ? field.querySelector("input:not([type=hidden]), select, textarea") : null;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    if (error.id) { input.setAttribute("aria-describedby", error.id); }
  }
  (field || error).scrollIntoView({ block: "center" });
  if (input) { input.focus({ preventScroll: true }); }
})();

// Selects marked data-autosubmit send their form on change (no inline handlers: the pages' CSP forbids them).
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
