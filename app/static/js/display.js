// The county display refreshes its own figures from the same site; when the network is gone it keeps the last
// figures and says so. No inline script (the CSP allows scripts from this site only), no third-party code.
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-figures-url");
  var seconds = Math.max(5, parseInt(body.getAttribute("data-refresh-seconds"), 10) || 60);
  var stale = document.querySelector("[data-stale]");

  function show(name, value) {
    var node = document.querySelector('[data-field="' + name + '"]');
    if (node) node.textContent = value === null || value === undefined ? "—" : String(value);
  }

  function localTime(iso) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) return "";
    // Asia/Shanghai is UTC+8 all year: the hall's clock, whatever the display machine is set to.
    var shanghai = new Date(when.getTime() + 8 * 3600 * 1000);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(shanghai.getUTCHours()) + ":" + pad(shanghai.getUTCMinutes());
  }

  function refresh() {
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (figures) {
        ["orders_today", "served_today", "volunteers_active", "hours_this_month", "ratings_this_month",
          "average_stars", "activities_coming"].forEach(function (name) { show(name, figures[name]); });
        show("as_of_local", localTime(figures.as_of));
        if (stale) stale.hidden = true;
        body.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { if (stale) stale.hidden = false; });
  }

  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
