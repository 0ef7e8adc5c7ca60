// Appeal pages: the pin map (no tile server: micro-grid outlines only), "use my location", the arrival check-in's
// position, picking a suggested category, and one submit per form. The countdowns tick by countdown.js.
(function () {
  "use strict";

  // ---- one submit per form: a double tap sends one request (the server also refuses a repeated token).
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (form.dataset.sent) { ev.preventDefault(); return; }
      if (form.dataset.geolocate && !form.dataset.located && navigator.geolocation) {
        // Arrival check-in: record where the phone is; without a fix the move still goes through.
        ev.preventDefault();
        var send = function () { form.dataset.located = "1"; form.requestSubmit ? form.requestSubmit() : form.submit(); };
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.elements.lat.value = pos.coords.latitude.toFixed(6);
          form.elements.lng.value = pos.coords.longitude.toFixed(6);
          form.elements.accuracy.value = Math.round(pos.coords.accuracy);
          send();
        }, send, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
        return;
      }
      form.dataset.sent = "1";
      var button = form.querySelector("button[type=submit][data-once]");
      if (button) { button.disabled = true; button.textContent = button.dataset.once; }
    });
  });

  // ---- suggested categories: a tap picks it in the select.
  var suggestions = document.getElementById("suggestions");
  var select = document.getElementById("category");
  if (suggestions && select) {
    suggestions.addEventListener("click", function (ev) {
      var b = ev.target.closest("[data-category]");
      if (!b) return;
      select.value = b.dataset.category;
      suggestions.querySelectorAll("[data-category]").forEach(function (x) { x.setAttribute("aria-pressed", x === b ? "true" : "false"); });
    });
  }

  // ---- maps
  var dataEl = document.getElementById("appeal-map-data");
  var mapEl = document.getElementById("appeal-map");
  if (!dataEl || !mapEl || typeof L === "undefined") return;
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(mapEl, { attributionControl: false, zoomSnap: 0.25 });
  var bounds = L.latLngBounds([]);
  (data.outlines || []).forEach(function (feature) {
    var layer = L.geoJSON(feature, { style: { color: "#2b6cb0", weight: 1.5, fillOpacity: 0.1 } }).addTo(map);
    layer.bindTooltip(feature.properties.name, { sticky: true });
    bounds.extend(layer.getBounds());
    if (mapEl.dataset.pick) layer.on("click", function (ev) { place(ev.latlng.lat, ev.latlng.lng); });
  });
  var marker = null;
  function pin(lat, lng) {
    if (marker) marker.setLatLng([lat, lng]);
    else marker = L.marker([lat, lng], { draggable: !!mapEl.dataset.pick }).addTo(map);
    return marker;
  }
  if (data.pin) { pin(data.pin[0], data.pin[1]); bounds.extend(data.pin); }
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17 });
  else map.setView([36.07, 120.38], 12);
  if (!mapEl.dataset.pick) return;

  // The submit page: place the pin, fill lat/lng and show the micro-grid it falls in.
  var form = document.getElementById("appeal-form");
  var areaOut = document.getElementById("pin-area");
  function place(lat, lng) {
    form.elements.lat.value = lat.toFixed(6);
    form.elements.lng.value = lng.toFixed(6);
    pin(lat, lng).off("dragend").on("dragend", function (ev) { var p = ev.target.getLatLng(); place(p.lat, p.lng); });
    if (!data.resolve_url || !areaOut) return;
    fetch(data.resolve_url + "?lat=" + encodeURIComponent(lat) + "&lng=" + encodeURIComponent(lng), {
      headers: { Accept: "application/json" }, credentials: "same-origin",
    })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        var inside = res.ok && res.body.is_microgrid;
        areaOut.textContent = inside ? areaOut.dataset.in + res.body.name : areaOut.dataset.outside;
        areaOut.className = inside ? "muted" : "field-error";
      })
      .catch(function () { areaOut.textContent = ""; });
  }
  map.on("click", function (ev) { place(ev.latlng.lat, ev.latlng.lng); });
  if (data.pin) place(data.pin[0], data.pin[1]);
  var me = document.getElementById("use-my-location");
  if (me) {
    if (!navigator.geolocation) me.hidden = true;
    me.addEventListener("click", function () {
      areaOut.textContent = me.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        place(pos.coords.latitude, pos.coords.longitude);
        map.setView([pos.coords.latitude, pos.coords.longitude], Math.max(map.getZoom(), 16));
      }, function () { areaOut.textContent = me.dataset.failed; areaOut.className = "field-error"; },
      { enableHighAccuracy: true, timeout: 10000 });
    });
  }
})();
