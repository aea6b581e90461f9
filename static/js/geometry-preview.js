/* A zone's area on the zone form: its GeoJSON shown on a map of the countries, and drawn there
 * by clicking its corners (issue 18). Optional: the form works without it (the GeoJSON text).
 * Uses Leaflet and topojson-client (static/vendor/) when present; without Leaflet the map stays
 * hidden, and text that is not a Polygon or MultiPolygon is simply not shown. */
(function () {
  "use strict";

  var OUTLINE = { color: "#b9ae9c", weight: 1, fillColor: "#f6f1e8", fillOpacity: 1 };
  var DIGITS = 4; // about 10 m: finer than any zone's boundary is known

  function parse(text) {
    try {
      var value = JSON.parse(text);
      return value && (value.type === "Polygon" || value.type === "MultiPolygon") ? value : null;
    } catch (error) {
      return null;
    }
  }

  function label(box, name, fallback) {
    return box.getAttribute(name) || fallback;
  }

  function button(text, kind) {
    var node = document.createElement("button");
    node.type = "button";
    node.className = "button " + (kind || "button-quiet");
    node.textContent = text;
    return node;
  }

  function countries(map, atlas) {
    if (!atlas || typeof window.topojson === "undefined") {
      return;
    }
    fetch(atlas).then(function (r) { return r.json(); }).then(function (topology) {
      window.L.geoJSON(window.topojson.feature(topology, topology.objects.countries), {
        interactive: false,
        style: OUTLINE
      }).addTo(map).bringToBack();
    }).catch(function () {});
  }

  // The corners clicked so far as a closed GeoJSON ring: [lon, lat], the first one again last.
  function polygon(corners) {
    var ring = corners.map(function (corner) {
      return [+corner.lng.toFixed(DIGITS), +corner.lat.toFixed(DIGITS)];
    });
    ring.push(ring[0].slice());
    return { type: "Polygon", coordinates: [ring] };
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
    var L = window.L;
    box.hidden = false;
    box.setAttribute("role", "region"); // it holds the zoom buttons: not an image
    box.setAttribute("aria-label", label(box, "data-label", "Map of the zone's area"));
    var map = L.map(box, { scrollWheelZoom: false, minZoom: 2, maxZoom: 14 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Natural Earth · world-atlas");
    map.fitBounds([[28, 48], [55, 125]]);
    countries(map, input.form && input.form.getAttribute("data-atlas"));

    var shown = null;
    var corners = [];
    var sketch = null;
    var drawing = false;

    function show() {
      var geometry = parse(input.value);
      if (shown) {
        map.removeLayer(shown);
        shown = null;
      }
      if (!geometry) {
        return;
      }
      shown = L.geoJSON(geometry, { style: { color: "#8a3b12", weight: 2 } }).addTo(map);
      map.fitBounds(shown.getBounds(), { maxZoom: 10, padding: [20, 20] });
    }

    // The controls under the map: draw, finish, cancel, and what to do next (read aloud).
    var controls = document.createElement("div");
    controls.className = "geometry-controls";
    var draw = button(label(box, "data-draw", "Draw the area on the map"));
    var finish = button(label(box, "data-finish", "Use this area"), "button-primary");
    var cancel = button(label(box, "data-cancel", "Cancel drawing"));
    var status = document.createElement("p");
    status.className = "help";
    status.setAttribute("aria-live", "polite");
    controls.appendChild(draw);
    controls.appendChild(finish);
    controls.appendChild(cancel);
    controls.appendChild(status);
    box.parentNode.insertBefore(controls, box.nextSibling);

    function redrawSketch() {
      if (sketch) {
        map.removeLayer(sketch);
        sketch = null;
      }
      if (corners.length) {
        sketch = (corners.length > 2 ? L.polygon(corners) : L.polyline(corners))
          .setStyle({ color: "#1d5f8a", dashArray: "4 4" }).addTo(map);
      }
      finish.disabled = corners.length < 3;
      status.textContent = drawing
        ? label(box, "data-hint", "Click each corner of the area; at least three.")
          + " " + label(box, "data-count", "Corners:") + " " + corners.length
        : "";
    }

    function setDrawing(on) {
      drawing = on;
      corners = [];
      draw.hidden = on;
      finish.hidden = cancel.hidden = !on;
      box.classList.toggle("is-drawing", on);
      redrawSketch();
    }

    map.on("click", function (event) {
      if (!drawing) {
        return;
      }
      corners.push(event.latlng);
      redrawSketch();
    });
    draw.addEventListener("click", function () { setDrawing(true); });
    cancel.addEventListener("click", function () { setDrawing(false); });
    finish.addEventListener("click", function () {
      if (corners.length < 3) {
        return;
      }
      input.value = JSON.stringify(polygon(corners));
      setDrawing(false);
      show();
      status.textContent = label(box, "data-done", "The area is in the box above; save to keep it.");
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });

    input.addEventListener("input", show);
    setDrawing(false);
    show();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
