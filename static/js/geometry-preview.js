/* Map preview of a zone's GeoJSON geometry on the zone form (issue 8).
 * Optional: the form works without it. Uses Leaflet (static/vendor/leaflet.js) when present;
 * without Leaflet, or with text that is not GeoJSON, the preview stays hidden. */
(function () {
  "use strict";

  function parse(text) {
    try {
      var value = JSON.parse(text);
      return value && (value.type === "Polygon" || value.type === "MultiPolygon") ? value : null;
    } catch (error) {
      return null;
    }
  }

  function start() {
    var box = document.getElementById("geometry-preview");
    if (!box || typeof window.L === "undefined") {
      return;
    }
    var input = document.getElementById(box.getAttribute("data-input"));
    if (!input) {
      return;
    }
    box.hidden = false;
    box.setAttribute("role", "region");  // it holds the zoom buttons: not an image
    box.setAttribute("aria-label", box.getAttribute("data-label") || "Map preview of the geometry");
    var map = window.L.map(box, { scrollWheelZoom: false }).setView([43, 75], 3);
    var tiles = document.body.getAttribute("data-tile-url");
    if (tiles) {
      window.L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
    }
    var layer = null;

    function draw() {
      var geometry = parse(input.value);
      if (layer) {
        map.removeLayer(layer);
        layer = null;
      }
      if (!geometry) {
        return;
      }
      layer = window.L.geoJSON(geometry).addTo(map);
      map.fitBounds(layer.getBounds(), { maxZoom: 10 });
    }

    input.addEventListener("input", draw);
    draw();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
