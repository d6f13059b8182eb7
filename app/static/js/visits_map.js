/* A visit campaign's coverage: each household a dot coloured by its visit's outcome, over the township
   outlines of the installed boundary dataset (no tile layer, so nothing is fetched from the internet). */
(function () {
  "use strict";
  var COLOURS = { visited: "#15803d", not_home: "#d97706", refused: "#6b7280", pending: "#b3261e" };

  function init() {
    var el = document.getElementById("visits-map");
    if (!el || typeof L === "undefined") { return; }
    var points = JSON.parse(el.dataset.points || "[]");
    var labels = JSON.parse(el.dataset.labels || "{}");
    var map = L.map(el, { attributionControl: false, scrollWheelZoom: false, zoomSnap: 0.25 });
    map.setView([35.85, 106.6], 9);
    if (el.dataset.areasUrl) {
      fetch(el.dataset.areasUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          L.geoJSON(data, { interactive: false, style: { color: "#57493f", weight: 1, fill: false, dashArray: "4 3" } }).addTo(map);
        })
        .catch(function () { /* the outlines are context only */ });
    }
    var bounds = [];
    points.forEach(function (p) {
      var dot = L.circleMarker([p.lat, p.lon], { radius: 5, weight: 1, color: "#1f1a17",
                                                  fillColor: COLOURS[p.outcome] || COLOURS.pending, fillOpacity: 0.9 });
      var tip = document.createElement("span");
      tip.textContent = labels[p.outcome] || p.outcome;
      dot.bindTooltip(tip);
      dot.addTo(map);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 }); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
