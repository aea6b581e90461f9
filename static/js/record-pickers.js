/* The record form's pickers (issue 18), each an enhancement of inputs that work without it:
 * - countries: a search box over the grouped checkboxes;
 * - rows (locations, documents, related projects, participants): add and remove rows here,
 *   instead of the "Add another" round trip;
 * - type-ahead on [data-typeahead] inputs, from /lookup/<kind>/?q= (the boundary applied there);
 *   with data-many the chosen records show as removable chips and the input keeps "A; B";
 * - locations on a Leaflet map: click to add a place, drag its marker to move it. */
(function () {
  "use strict";
  var SEPARATOR = ";";

  function each(nodes, fn) { Array.prototype.forEach.call(nodes, fn); }
  function text(form, name, fallback) { return (form && form.getAttribute(name)) || fallback; }

  // --- Countries ------------------------------------------------------------------------------
  function countryPicker(fieldset) {
    var form = fieldset.closest("form");
    var label = document.createElement("label");
    var search = document.createElement("input");
    var id = fieldset.id + "-search";
    label.setAttribute("for", id);
    label.textContent = text(form, "data-search", "Find a country");
    search.type = "search";
    search.id = id;
    search.className = "country-search";
    search.setAttribute("autocomplete", "off");
    var box = document.createElement("div");
    box.className = "field country-search-box";
    box.appendChild(label);
    box.appendChild(search);
    var first = fieldset.querySelector(".country-group");
    fieldset.insertBefore(box, first);
    var others = fieldset.querySelector("details.others");
    search.addEventListener("input", function () {
      var typed = search.value.trim().toLowerCase();
      each(fieldset.querySelectorAll(".checkbox-list li"), function (item) {
        var input = item.querySelector("input");
        var words = (item.textContent + " " + input.value).toLowerCase();
        item.hidden = typed !== "" && words.indexOf(typed) === -1;
      });
      if (others && typed !== "") { others.open = true; }
    });
    search.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();  // Enter ticks the first country shown, not the form
      var shown = Array.prototype.filter.call(
        fieldset.querySelectorAll(".checkbox-list li"), function (item) { return !item.hidden; });
      if (shown.length) { shown[0].querySelector("input").checked = true; }
    });
  }

  // --- Rows -----------------------------------------------------------------------------------
  function renumber(group) {
    var name = group.getAttribute("data-rows");
    var pattern = new RegExp("^(id_)?" + name + "-\\d+-");
    each(group.querySelectorAll("li.row"), function (row, index) {
      row.setAttribute("data-row", index);
      each(row.querySelectorAll("[name], [id], label[for]"), function (node) {
        ["name", "id", "for"].forEach(function (attribute) {
          var value = node.getAttribute(attribute);
          if (value && pattern.test(value)) {
            node.setAttribute(attribute, value.replace(pattern, "$1" + name + "-" + index + "-"));
          }
        });
      });
    });
    var total = group.querySelector("input[name$='-TOTAL_FORMS']");
    if (total) { total.value = group.querySelectorAll("li.row").length; }
    group.dispatchEvent(new CustomEvent("rows-changed", { bubbles: false }));
  }

  function clearRow(row) {
    each(row.querySelectorAll("input, select"), function (input) { input.value = ""; });
    each(row.querySelectorAll(".picked"), function (node) { node.textContent = ""; });
  }

  function addRemoveButton(group, row) {
    var form = group.closest("form");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-quiet remove-row";
    button.textContent = text(form, "data-remove", "Remove");
    button.addEventListener("click", function () {
      var rows = group.querySelectorAll("li.row");
      if (rows.length > 1) { row.remove(); } else { clearRow(row); }
      renumber(group);
    });
    row.appendChild(button);
  }

  function addRow(group) {
    var rows = group.querySelectorAll("li.row");
    var last = rows[rows.length - 1];
    var row = last.cloneNode(true);
    clearRow(row);
    each(row.querySelectorAll(".remove-row, .typeahead-list, .picked"), function (node) {
      node.remove();
    });
    each(row.querySelectorAll("[data-enhanced]"), function (node) {
      node.removeAttribute("data-enhanced");
    });
    last.parentNode.appendChild(row);
    addRemoveButton(group, row);
    renumber(group);
    return row;
  }

  function rowGroup(group) {
    each(group.querySelectorAll("li.row"), function (row) { addRemoveButton(group, row); });
    var add = group.querySelector(".add-row");
    if (add) {
      add.addEventListener("click", function (event) {
        event.preventDefault();
        var row = addRow(group);
        var first = row.querySelector("input, select");
        if (first) { first.focus(); }
      });
    }
  }

  // --- Type-ahead -----------------------------------------------------------------------------
  var counter = 0;

  function lookupUrl(input, typed) {
    var form = input.closest("form");
    var template = text(form, "data-lookup", "/lookup/KIND/");
    return template.replace("KIND", input.getAttribute("data-typeahead")) +
      "?q=" + encodeURIComponent(typed);
  }

  function typeahead(input) {
    if (input.getAttribute("data-enhanced")) { return; }
    input.setAttribute("data-enhanced", "true");
    var many = input.getAttribute("data-many") === "true";
    var field = input;
    var chips = null;
    if (many) {
      // The original input keeps "A; B" for the server; a new one searches.
      chips = document.createElement("ul");
      chips.className = "chips";
      field = document.createElement("input");
      field.type = "text";
      field.id = input.id;
      field.setAttribute("autocomplete", "off");
      field.setAttribute("aria-describedby", input.getAttribute("aria-describedby") || "");
      input.id = input.id + "-value";
      input.type = "hidden";
      input.parentNode.insertBefore(chips, input);
      input.parentNode.insertBefore(field, input);
      values(input).forEach(function (value) { addChip(input, chips, value, value); });
    }
    counter += 1;
    var list = document.createElement("ul");
    list.className = "typeahead-list";
    list.id = "typeahead-" + counter;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    field.parentNode.insertBefore(list, field.nextSibling);
    field.setAttribute("role", "combobox");
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-expanded", "false");
    field.setAttribute("aria-controls", list.id);
    var timer = null;
    var active = -1;

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      field.setAttribute("aria-expanded", "false");
      field.removeAttribute("aria-activedescendant");
    }

    function choose(option) {
      var value = option.getAttribute("data-value");
      if (many) {
        if (values(input).indexOf(value) === -1) {
          input.value = values(input).concat([value]).join(SEPARATOR + " ");
          addChip(input, chips, value, option.getAttribute("data-label"));
        }
        field.value = "";
      } else {
        field.value = value;
        shownLabel(field).textContent = option.getAttribute("data-label");
      }
      close();
      field.focus();
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      each(options, function (option, i) { option.setAttribute("aria-selected", i === active); });
      field.setAttribute("aria-activedescendant", options[active].id);
    }

    function show(results) {
      list.textContent = "";
      active = -1;
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "none";
        none.textContent = text(input.closest("form"), "data-no-match", "Nothing found");
        list.appendChild(none);
      }
      results.forEach(function (result, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("data-value", result.value);
        option.setAttribute("data-label", result.label);
        var name = document.createElement("span");
        name.textContent = result.label;
        var detail = document.createElement("small");
        detail.textContent = " " + result.detail;
        option.appendChild(name);
        option.appendChild(detail);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(option);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      field.setAttribute("aria-expanded", "true");
    }

    field.addEventListener("input", function () {
      clearTimeout(timer);
      if (!many) { shownLabel(field).textContent = ""; }
      var typed = field.value.trim();
      if (!typed) { close(); return; }
      timer = setTimeout(function () {
        fetch(lookupUrl(input, typed), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (body) { if (field.value.trim() === typed) { show(body.results); } })
          .catch(close);
      }, 200);
    });
    field.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(list.querySelectorAll("[role=option]")[active]);
      }
    });
    field.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function values(input) {
    return input.value.split(SEPARATOR).map(function (part) { return part.trim(); })
      .filter(function (part) { return part; });
  }

  function addChip(input, chips, value, label) {
    var chip = document.createElement("li");
    chip.className = "chip";
    chip.textContent = label + " ";
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("aria-label", text(input.closest("form"), "data-remove", "Remove") + ": " + label);
    remove.textContent = "×";
    remove.addEventListener("click", function () {
      input.value = values(input).filter(function (v) { return v !== value; }).join(SEPARATOR + " ");
      chip.remove();
    });
    chip.appendChild(remove);
    chips.appendChild(chip);
  }

  function shownLabel(field) {
    var next = field.parentNode.querySelector(".picked");
    if (!next) {
      next = document.createElement("span");
      next.className = "picked small muted";
      next.setAttribute("aria-live", "polite");
      field.parentNode.appendChild(next);
    }
    return next;
  }

  // --- Locations on the map -------------------------------------------------------------------
  function locationMap(group) {
    var container = group.querySelector("#location-map");
    if (!container || typeof L === "undefined") { return; }
    container.hidden = false;
    var map = L.map(container, { minZoom: 2, maxZoom: 14 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Natural Earth · world-atlas");
    map.fitBounds([[28, 48], [55, 125]]);
    var atlas = group.closest("form").getAttribute("data-atlas");
    if (atlas && typeof topojson !== "undefined") {
      fetch(atlas).then(function (r) { return r.json(); }).then(function (topology) {
        L.geoJSON(topojson.feature(topology, topology.objects.countries), {
          interactive: false,
          style: { color: "#b9ae9c", weight: 1, fillColor: "#f6f1e8", fillOpacity: 1 }
        }).addTo(map).bringToBack();
      }).catch(function () {});
    }
    var markers = [];

    function inputs(row) {
      return {
        name: row.querySelector("input[name$='-name']"),
        lat: row.querySelector("input[name$='-lat']"),
        lon: row.querySelector("input[name$='-lon']")
      };
    }

    function number(value) {
      var parsed = parseFloat(String(value).replace(",", "."));
      return isNaN(parsed) ? null : parsed;
    }

    function draw() {
      markers.forEach(function (marker) { marker.remove(); });
      markers = [];
      var points = [];
      each(group.querySelectorAll("li.row"), function (row) {
        var box = inputs(row);
        var lat = number(box.lat.value);
        var lon = number(box.lon.value);
        if (lat === null || lon === null) { return; }
        var marker = L.marker([lat, lon], { draggable: true, title: box.name.value || "?" });
        marker.on("dragend", function () {
          var where = marker.getLatLng();
          box.lat.value = where.lat.toFixed(5);
          box.lon.value = where.lng.toFixed(5);
        });
        marker.addTo(map);
        markers.push(marker);
        points.push([lat, lon]);
      });
      return points;
    }

    map.on("click", function (event) {
      var rows = group.querySelectorAll("li.row");
      var row = rows[rows.length - 1];
      var box = inputs(row);
      if (box.name.value || box.lat.value || box.lon.value) {
        row = addRow(group);
        box = inputs(row);
      }
      box.lat.value = event.latlng.lat.toFixed(5);
      box.lon.value = event.latlng.lng.toFixed(5);
      draw();
      box.name.focus();
    });
    group.addEventListener("change", function (event) {
      // Typed coordinates move their marker; a name does not redraw (a drag may be starting).
      if (event.target.matches("input.coordinate")) { draw(); }
    });
    group.addEventListener("rows-changed", draw);
    var points = draw();
    if (points.length) { map.fitBounds(points, { maxZoom: 8, padding: [30, 30] }); }
  }

  function start() {
    each(document.querySelectorAll("[data-picker=countries]"), countryPicker);
    each(document.querySelectorAll("[data-rows]"), rowGroup);
    each(document.querySelectorAll("[data-rows=locations]"), locationMap);
    each(document.querySelectorAll("input[data-typeahead]"), typeahead);
    // Rows added later carry their own type-ahead inputs.
    document.addEventListener("focusin", function (event) {
      if (event.target.matches && event.target.matches("input[data-typeahead]")) {
        typeahead(event.target);
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
