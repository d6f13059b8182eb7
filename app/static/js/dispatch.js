// The dispatch page: while a run is queued or running, poll its state and the engine's progress; reload when it ends.
(function () {
  "use strict";
  var cells = document.querySelectorAll("[data-live-run]");
  if (!cells.length) return;
  var POLL_MS = 2000;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] === null || values[key] === undefined ? "–" : String(values[key]);
    });
  }

  function poll(cell) {
    fetch(cell.getAttribute("data-live-run"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) return;
        if (run.finished) { window.location.reload(); return; }
        cell.querySelector("[data-role=state]").textContent = run.label;
        var progress = cell.querySelector("[data-role=progress]");
        if (progress && run.seconds !== null && run.seconds !== undefined) {
          progress.textContent = fill(progress.getAttribute("data-template"), run);
        }
        window.setTimeout(function () { poll(cell); }, POLL_MS);
      })
      .catch(function () { window.setTimeout(function () { poll(cell); }, POLL_MS * 2); });
  }

  cells.forEach(function (cell) { window.setTimeout(function () { poll(cell); }, POLL_MS); });
})();
