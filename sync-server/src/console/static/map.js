// The console's maps (/console/map, the dashboard's panel, an address's grid):
// every element with class `gf-map` draws `data-src` (JSON from /console/map/data)
// with Leaflet: grid polygons shallow first, then one layer per record kind, each
// marker a circle whose classes (console.css, "map") carry severity and overdue; a
// click on a marker opens the record. The data's `tiles`, when set, is the base map.
(function () {
  "use strict";
  // Where the city lies when nothing has a position yet.
  var HOME = [31.38, 120.98];

  function note(root, name) {
    var el = root.querySelector('[data-map-note="' + name + '"]');
    if (el) el.hidden = false;
  }

  function draw(el) {
    var scope = el.closest("main") || document;
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
    el.gfMap = map;
    map.setView(HOME, 11);
    fetch(el.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      })
      .then(function (d) {
        var hint = el.querySelector(".hint");
        if (hint) hint.remove();
        if (d.tiles) L.tileLayer(d.tiles, { maxZoom: 18 }).addTo(map);
        var layers = { grids: L.featureGroup() };
        d.grids.forEach(function (g) {
          L.geoJSON(g.geometry, {
            className: "grid-poly grid-l" + g.level,
            interactive: true,
          })
            .bindTooltip(g.name, { sticky: true })
            .addTo(layers.grids);
        });
        d.markers.forEach(function (m) {
          var group = layers[m.layer] || (layers[m.layer] = L.featureGroup());
          L.circleMarker([m.lat, m.lon], { radius: 7, className: m["class"] })
            .bindTooltip(m.label)
            .on("click", function () {
              window.location.href = m.href;
            })
            .addTo(group);
        });
        var order = ["grids", "report", "inspection", "case", "hazard"];
        order.forEach(function (k) {
          if (layers[k]) layers[k].addTo(map);
        });
        if (d.address) {
          L.circleMarker(d.address, { radius: 5, className: "mk mk-address", interactive: false }).addTo(map);
        }
        var bounds = layers.grids.getBounds();
        Object.keys(layers).forEach(function (k) {
          if (k !== "grids" && !bounds.isValid()) bounds = layers[k].getBounds();
        });
        var fit = function () {
          if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8], animate: false });
          else if (d.address) map.setView(d.address, 16, { animate: false });
        };
        fit();
        // A narrower window (a phone turned, a sidebar folded) keeps the grids in view.
        var pending = null;
        window.addEventListener("resize", function () {
          clearTimeout(pending);
          pending = setTimeout(function () {
            map.invalidateSize();
            fit();
          }, 150);
        });
        if (!d.grids.length) note(scope, "no-grids");
        if (d.capped.length) note(scope, "capped");
        scope.querySelectorAll("input[data-layer]").forEach(function (box) {
          box.addEventListener("change", function () {
            var l = layers[box.getAttribute("data-layer")];
            if (!l) return;
            if (box.checked) l.addTo(map);
            else map.removeLayer(l);
          });
        });
        el.setAttribute("data-ready", String(d.markers.length));
      })
      .catch(function () {
        note(scope, "failed");
        el.setAttribute("data-ready", "failed");
      });
  }

  function start() {
    if (typeof L === "undefined") return;
    document.querySelectorAll(".gf-map").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
