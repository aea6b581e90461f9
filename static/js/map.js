/* The registry's map: country outlines from world-atlas (no tile server, nothing leaves the
   site), cooperation zones as areas and project locations as points.

   The features come from the page itself: a <script type="application/json" id="map-data">
   written by Django's json_script (data, not code, so the CSP allows it). Every label is set as
   text, never as HTML, so a record's title cannot inject markup. The same features are listed
   in plain HTML below the map for readers without JavaScript. */
(function () {
  "use strict";

  var container = document.getElementById("map");
  var dataNode = document.getElementById("map-data");
  if (!container || !dataNode || typeof L === "undefined") {
    return;
  }
  document.documentElement.classList.add("js");

  var data = JSON.parse(dataNode.textContent);
  // China and Central Asia, when there is nothing to fit the view to.
  var DEFAULT_BOUNDS = [[28, 48], [55, 125]];
  var COLOURS = { zone: "#b5482f", project: "#24508f", land: "#f6f1e8", border: "#b9ae9c" };

  var map = L.map(container, { worldCopyJump: true, minZoom: 2, maxZoom: 12 });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth · world-atlas");

  function popupFor(title, subtitle, url) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = url;
    link.textContent = title;
    box.appendChild(link);
    if (subtitle) {
      var line = document.createElement("div");
      line.textContent = subtitle;
      box.appendChild(line);
    }
    return box;
  }

  function addCountries() {
    var atlasUrl = container.getAttribute("data-atlas");
    if (!atlasUrl || typeof topojson === "undefined") {
      return;
    }
    fetch(atlasUrl)
      .then(function (response) { return response.json(); })
      .then(function (topology) {
        var countries = topojson.feature(topology, topology.objects.countries);
        L.geoJSON(countries, {
          interactive: false,
          style: { color: COLOURS.border, weight: 1, fillColor: COLOURS.land, fillOpacity: 1 }
        }).addTo(map).bringToBack();
      })
      .catch(function () { /* the outlines are decoration; the features still show */ });
  }

  function addZones(layer) {
    (data.zones || []).forEach(function (zone) {
      if (!zone.geometry) {
        return;
      }
      L.geoJSON(zone.geometry, {
        style: { color: COLOURS.zone, weight: 2, fillColor: COLOURS.zone, fillOpacity: 0.3 }
      })
        .bindPopup(popupFor(zone.name, zone.kind, zone.url))
        .bindTooltip(zone.name)
        .addTo(layer);
      // A zone a few kilometres wide vanishes at country scale: a ring marks where it is.
      var centre = L.geoJSON(zone.geometry).getBounds().getCenter();
      L.circleMarker(centre, {
        radius: 9, color: COLOURS.zone, weight: 2, fillColor: COLOURS.zone, fillOpacity: 0.15
      })
        .bindPopup(popupFor(zone.name, zone.kind, zone.url))
        .bindTooltip(zone.name)
        .addTo(layer);
    });
  }

  function addProjects(layer) {
    (data.projects || []).forEach(function (project) {
      (project.locations || []).forEach(function (location) {
        var title = project.title + (location.name ? " · " + location.name : "");
        L.circleMarker([location.lat, location.lon], {
          radius: 7, color: "#ffffff", weight: 2, fillColor: COLOURS.project, fillOpacity: 0.95
        })
          .bindPopup(popupFor(project.title, [location.name, project.category].filter(Boolean).join(" · "), project.url))
          .bindTooltip(title)
          .addTo(layer);
      });
    });
  }

  var features = L.featureGroup().addTo(map);
  addZones(features);
  addProjects(features);
  addCountries();

  var bounds = features.getBounds();
  if (bounds.isValid()) {
    // The outlines are 1:110m: closer than this they are too coarse to be worth showing.
    map.fitBounds(bounds.pad(0.2), { maxZoom: 6 });
  } else {
    map.fitBounds(DEFAULT_BOUNDS);
  }
})();
