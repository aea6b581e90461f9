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
        addCountryLabels(countries, labels);
      })
      .catch(function () { /* the outlines are decoration; the features still show */ });
  }

  // A label written on the map: a permanent tooltip whose content is a text node (never HTML).
  function label(latlng, text, className) {
    var span = document.createElement("span");
    span.textContent = text;
    return L.tooltip({ permanent: true, direction: "center", className: className, interactive: false })
      .setLatLng(latlng)
      .setContent(span);
  }

  // Country names from our own data (the reader's language), placed on the atlas outline whose
  // ISO numeric id matches; the labels layer sits above the outlines.
  function addCountryLabels(countries, layer) {
    var byId = {};
    countries.features.forEach(function (feature) { byId[String(feature.id)] = feature; });
    (data.countries || []).forEach(function (country) {
      var feature = byId[country.atlas_id];
      if (!feature) {
        return;
      }
      var centre = L.geoJSON(feature).getBounds().getCenter();
      layer.addLayer(label(centre, country.name, "map-label map-label-country"));
    });
  }

  function addCityLabels(layer) {
    (data.cities || []).forEach(function (city) {
      L.circleMarker([city.lat, city.lon], {
        radius: 2, color: "#333333", weight: 1, fillColor: "#333333", fillOpacity: 1, interactive: false
      }).addTo(layer);
      var tip = label([city.lat, city.lon], city.name, "map-label map-label-city");
      tip.options.direction = "right";
      tip.options.offset = [4, 0];
      layer.addLayer(tip);
    });
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

  // Project locations crowd where many projects share a city: clustered (leaflet.markercluster)
  // when it is there, each point on its own otherwise.
  function projectLayer() {
    if (typeof L.markerClusterGroup === "function") {
      return L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
    }
    return L.featureGroup();
  }

  function addProjects(layer) {
    (data.projects || []).forEach(function (project) {
      (project.locations || []).forEach(function (location) {
        var title = project.title + (location.name ? " · " + location.name : "");
        // A marker (not a circle) so that the cluster group can gather it.
        L.marker([location.lat, location.lon], {
          icon: L.divIcon({ className: "project-point", iconSize: [14, 14] }),
          title: title
        })
          .bindPopup(popupFor(project.title, [location.name, project.category].filter(Boolean).join(" · "), project.url))
          .bindTooltip(title)
          .addTo(layer);
      });
    });
  }

  var features = L.featureGroup().addTo(map);
  var points = projectLayer().addTo(map);
  var labels = L.layerGroup().addTo(map);
  addZones(features);
  addProjects(points);
  addCityLabels(labels);
  addCountries();

  var bounds = features.getBounds();
  if (points.getLayers().length) {
    bounds = bounds.isValid() ? bounds.extend(points.getBounds()) : points.getBounds();
  }
  if (bounds.isValid()) {
    // The outlines are 1:110m: closer than this they are too coarse to be worth showing.
    map.fitBounds(bounds.pad(0.2), { maxZoom: 6 });
  } else {
    map.fitBounds(DEFAULT_BOUNDS);
  }
})();
