/* The staff dashboard: a Leaflet coverage map (county and township outlines from the installed boundary dataset,
   no tile layer unless one is configured) and the weekly trend chart. */
(function () {
  "use strict";
  var COLOURS = { high: "#15803d", medium: "#d97706", low: "#b3261e", none: "#ffffff" };
  var RADIUS = { county: 13, township: 10, village: 8 };

  function pct(value) { return value === null || value === undefined ? "—" : Math.round(value * 100) + "%"; }

  function popup(props, labels) {
    var rows = [
      [labels.orders, props.orders],
      [labels.served, props.served],
      [labels.open, props.open],
      [labels.fulfilment, pct(props.fulfilment)],
      [labels.accept, props.median_accept_minutes === null ? "—" : Math.round(props.median_accept_minutes) + " min"],
      [labels.rating, props.avg_rating === null ? "—" : props.avg_rating]
    ];
    var title = props.name || (labels.stations + ": " + props.stations);
    var html = "<strong>" + escapeHtml(title) + "</strong><table>";
    rows.forEach(function (r) { html += "<tr><td>" + escapeHtml(r[0]) + "</td><td>" + escapeHtml(String(r[1])) + "</td></tr>"; });
    return html + "</table>";
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function initMap() {
    var el = document.getElementById("map");
    if (!el || typeof L === "undefined") { return; }
    var labels = JSON.parse(el.dataset.labels || "{}");
    // Wheel zoom would trap the page scroll on a long dashboard; the +/- buttons and pinch still zoom.
    var map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tileUrl, scrollWheelZoom: false,
                          zoomSnap: 0.25 });
    // Village names crowd the county view; they appear once the map is zoomed in far enough to read them.
    function labelsByZoom() { el.classList.toggle("show-station-labels", map.getZoom() >= 10.5); }
    map.on("zoomend", labelsByZoom);
    map.setView([35.85, 106.6], 9);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
    }
    var layers = [];
    var fitted = false;

    function currentValue(name) {
      var checked = document.querySelector('input[name="' + name + '"]:checked');
      return checked ? checked.value : "";
    }

    function withPriority(url, priority) {
      return url + (url.indexOf("?") < 0 ? "?" : "&") + "priority=" + encodeURIComponent(priority);
    }

    function getJson(url) {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); });
    }

    // Leaflet puts a string tooltip in innerHTML; a text node keeps a place name as plain text.
    function textLabel(text) {
      var span = document.createElement("span");
      span.textContent = text;
      return span;
    }

    function areaLayer(data) {
      return L.geoJSON(data, {
        style: function (feature) {
          var p = feature.properties;
          if (p.kind === "county") {
            return { color: "#1f1a17", weight: 3, fill: false, interactive: false, className: "county-outline" };
          }
          return { color: "#57493f", weight: 1.2, dashArray: "4 3", fillColor: COLOURS[p.colour] || COLOURS.none,
                   fillOpacity: p.colour === "none" ? 0.15 : 0.35, className: "township-area township-" + p.colour };
        },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties;
          if (p.kind !== "township") { return; }
          lyr.bindPopup(popup(p, labels));
          lyr.bindTooltip(textLabel(p.name + " " + (p.orders ? pct(p.fulfilment) : "")),
                          { permanent: true, direction: "center", className: "area-label" });
        }
      });
    }

    function stationLayer(data) {
      return L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var p = feature.properties;
          return L.circleMarker(latlng, {
            radius: RADIUS[p.level] || 8,
            color: "#1f1a17",
            weight: p.colour === "none" ? 2 : 1.5,
            fillColor: COLOURS[p.colour] || COLOURS.none,
            fillOpacity: 0.95,
            className: "station-marker station-" + p.colour
          });
        },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties;
          lyr.bindPopup(popup(p, labels));
          if (p.level === "village") {
            lyr.bindTooltip(textLabel(p.label || p.name), { permanent: true, direction: "right", offset: [6, 0],
                                                 className: "station-label" });
          } else if (p.level === "county") {
            lyr.bindTooltip(textLabel(p.label || p.name), { permanent: true, direction: "bottom", offset: [0, 8],
                                                 className: "station-label county-label" });
          }
        }
      });
    }

    function load() {
      var priority = currentValue("priority");
      el.setAttribute("aria-busy", "true");
      Promise.all([getJson(withPriority(el.dataset.areasUrl, priority)),
                   getJson(withPriority(el.dataset.stationsUrl, priority))])
        .then(function (results) {
          layers.forEach(function (lyr) { map.removeLayer(lyr); });
          layers = [areaLayer(results[0]).addTo(map), stationLayer(results[1]).addTo(map)];
          var outline = results[0].features && results[0].features.length ? layers[0] : layers[1];
          if (!fitted && outline.getLayers().length) {
            map.invalidateSize();
            map.fitBounds(outline.getBounds().pad(0.05), { maxZoom: 12 });
            fitted = true;
          }
          el.dataset.areas = String(results[0].features ? results[0].features.length : 0);
          el.dataset.features = String(results[1].features ? results[1].features.length : 0);
          el.setAttribute("aria-busy", "false");
        });
    }

    // Web fonts can change the page's layout after the map is drawn; keep Leaflet's idea of its size current.
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () { map.invalidateSize(); }).observe(el);
    }
    document.querySelectorAll('input[name="priority"]').forEach(function (input) {
      input.addEventListener("change", load);
    });
    load();
  }

  function initTrend() {
    var canvas = document.getElementById("trend");
    var source = document.getElementById("trend-data");
    if (!canvas || !source || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 14;
    Chart.defaults.color = "#3d3631";
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels.map(function (w) { return w.replace(/^\d{4}-/, ""); }),
        datasets: [
          { label: data.names.orders, data: data.orders, backgroundColor: "#e7b8b3", borderColor: "#b3261e", borderWidth: 1 },
          { label: data.names.served, data: data.served, backgroundColor: "#15803d" },
          { label: data.names.fulfilment, type: "line", yAxisID: "pct", borderColor: "#1d4ed8", backgroundColor: "#1d4ed8",
            data: data.fulfilment.map(function (v) { return v === null ? null : Math.round(v * 100); }), spanGaps: true }
        ]
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 } },
          pct: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false }, ticks: { callback: function (v) { return v + "%"; } } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initMap(); initTrend(); });
})();
