// Staff appeal pages: htmx swaps of error answers (a refused move comes back as a 4xx page fragment naming the
// problem; it belongs in place of the form, not in the console). The countdowns tick by countdown.js.
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr.status;
    if (status >= 400 && status < 500) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  // Intake: a pin on the map or a micro-grid from the list (one or the other, so they cannot disagree).
  // No tile server on closed networks: the micro-grids' representative points give the map its bearings.
  function intakeMap() {
    var el = document.getElementById("intake-map");
    var select = document.getElementById("intake-area");
    if (!el || !select || typeof L === "undefined" || el.dataset.ready) return;
    el.dataset.ready = "1";
    var lat = document.getElementById("intake-lat");
    var lng = document.getElementById("intake-lng");
    var map = L.map(el, { attributionControl: false });
    var bounds = L.latLngBounds([]);
    Array.prototype.forEach.call(select.options, function (opt) {
      var a = parseFloat(opt.dataset.lat), b = parseFloat(opt.dataset.lng);
      if (isNaN(a) || isNaN(b)) return;
      L.circleMarker([a, b], { radius: 4, color: "#2b6cb0", weight: 1 }).bindTooltip(opt.textContent).addTo(map);
      bounds.extend([a, b]);
    });
    var pin = null;
    // Micro-grid outlines: a click inside one pins the spot and picks that micro-grid in the list too.
    var outlines = document.getElementById("intake-map-areas");
    (outlines ? JSON.parse(outlines.textContent) : []).forEach(function (area) {
      var layer = L.geoJSON(area.boundary, { style: { color: "#2f855a", weight: 1, fillOpacity: 0.08 } });
      layer.bindTooltip(area.name, { sticky: true });
      layer.on("click", function (e) {
        L.DomEvent.stopPropagation(e);
        place(e.latlng);
        select.value = area.code;
      });
      layer.addTo(map);
      bounds.extend(layer.getBounds());
    });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
    else map.setView([36, 120], 12);
    function place(latlng) {
      if (pin) pin.setLatLng(latlng);
      else pin = L.circleMarker(latlng, { radius: 8, color: "#b32025", weight: 2, fillOpacity: 0.6 }).addTo(map);
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
    }
    if (lat.value && lng.value) place(L.latLng(parseFloat(lat.value), parseFloat(lng.value)));
    map.on("click", function (e) {
      place(e.latlng);
      select.value = "";
    });
    select.addEventListener("change", function () {
      if (pin) { map.removeLayer(pin); pin = null; }
      lat.value = lng.value = "";
      var opt = select.options[select.selectedIndex];
      var a = parseFloat(opt.dataset.lat), b = parseFloat(opt.dataset.lng);
      if (!isNaN(a) && !isNaN(b)) map.setView([a, b], 17);
    });
    var clear = document.getElementById("intake-clear-pin");
    if (clear) clear.addEventListener("click", function () {
      if (pin) { map.removeLayer(pin); pin = null; }
      lat.value = lng.value = "";
    });
  }
  document.addEventListener("DOMContentLoaded", intakeMap);
  document.addEventListener("htmx:afterSettle", intakeMap);
})();
