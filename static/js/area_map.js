// Draws an area and its children from the JSON embedded in the page; no tile server (closed networks).
(function () {
  "use strict";
  var dataEl = document.getElementById("area-map-data");
  var mapEl = document.getElementById("area-map");
  if (!dataEl || !mapEl || typeof L === "undefined") return;
  var data = JSON.parse(dataEl.textContent);

  var map = L.map(mapEl, { attributionControl: false, zoomSnap: 0.25 });
  var bounds = L.latLngBounds([]);

  if (data.area) {
    var outline = L.geoJSON(data.area, {
      interactive: false,
      style: { color: "#9b2c2c", weight: 3, fill: !data.children.length, fillOpacity: 0.08, dashArray: data.children.length ? "6 4" : null },
    }).addTo(map);
    bounds.extend(outline.getBounds());
  }

  var palette = ["#2b6cb0", "#2f855a", "#b7791f", "#6b46c1", "#c05621", "#2c7a7b"];
  var childLayers = [];
  data.children.forEach(function (feature, i) {
    var layer = L.geoJSON(feature, {
      style: { color: palette[i % palette.length], weight: 1.5, fillOpacity: 0.18 },
    });
    layer.feature = feature;
    childLayers.push(layer);
    layer.on("click", function () { window.location.href = feature.properties.url; });
    layer.on("mouseover", function () { layer.setStyle({ fillOpacity: 0.35 }); });
    layer.on("mouseout", function () { layer.setStyle({ fillOpacity: 0.18 }); });
    layer.addTo(map);
    bounds.extend(layer.getBounds());
  });

  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [12, 12] });
  } else {
    map.setView([36, 120], 10);
  }

  // A name stays on the map only where it fits inside its polygon; otherwise it shows on hover.
  function placeLabels() {
    childLayers.forEach(function (layer) {
      var b = layer.getBounds();
      var sw = map.latLngToContainerPoint(b.getSouthWest());
      var ne = map.latLngToContainerPoint(b.getNorthEast());
      var room = Math.abs(ne.x - sw.x);
      var needed = layer.feature.properties.name.length * 13 + 12;
      layer.unbindTooltip();
      layer.bindTooltip(layer.feature.properties.name, {
        direction: "center",
        className: "area-label",
        permanent: room >= needed && Math.abs(sw.y - ne.y) >= 24,
      });
    });
  }
  placeLabels();
  map.on("zoomend", placeLabels);

  // Locate a point: typed coordinates or the phone's geolocation → GET /api/v1/areas/resolve.
  var form = document.getElementById("locate-form");
  var out = document.getElementById("locate-result");
  var marker = null;
  if (!form || !out) return;
  var t = form.dataset;

  function show(text, isError) {
    out.textContent = text;
    out.className = isError ? "error" : "";
  }

  function resolve(lat, lng) {
    if (!isFinite(lat) || !isFinite(lng) || lat < -90 || lat > 90 || lng < -180 || lng > 180) {
      show(t.badInput, true);
      return;
    }
    if (marker) marker.remove();
    marker = L.circleMarker([lat, lng], { radius: 7, color: "#c53030", fillOpacity: 0.9 }).addTo(map);
    fetch(data.resolve_url + "?lat=" + encodeURIComponent(lat) + "&lng=" + encodeURIComponent(lng), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { show(res.body.detail || t.notFound, true); return; }
        var a = res.body;
        var chain = a.ancestors.map(function (x) { return x.name; }).concat([a.name]).join(" › ");
        out.textContent = "";
        out.className = "";
        var label = document.createElement("strong");
        label.textContent = (a.is_microgrid ? t.microgrid : t.fallback);
        var link = document.createElement("a");
        link.href = data.area_url.replace("{code}", a.code);
        link.textContent = chain;
        out.appendChild(label);
        out.appendChild(link);
        marker.bindTooltip(a.name).openTooltip();
      })
      .catch(function () { show(t.notFound, true); });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    resolve(parseFloat(form.elements.lat.value), parseFloat(form.elements.lng.value));
  });

  var me = document.getElementById("locate-me");
  if (me) {
    if (!navigator.geolocation) { me.hidden = true; }
    me.addEventListener("click", function () {
      show(t.locating, false);
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          form.elements.lat.value = pos.coords.latitude.toFixed(6);
          form.elements.lng.value = pos.coords.longitude.toFixed(6);
          resolve(pos.coords.latitude, pos.coords.longitude);
        },
        function () { show(t.failed, true); },
        { enableHighAccuracy: true, timeout: 10000 }
      );
    });
  }
})();
