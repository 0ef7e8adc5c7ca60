/* The inspection form on a phone: each item pass / fail / n.a., numbers, choices and photos; items shown only when
   their condition on an earlier answer holds; the position taken once for the location check. The draft is kept in
   localStorage as it is filled in (a reload or a dead battery loses nothing); on submit it goes to the outbox
   (inspection_outbox.js), which sends it once, now or when the phone is back online. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("inspection-config").textContent);
  var form = document.getElementById("inspection-form");
  var status = document.getElementById("form-status");
  var draftKey = "gz.inspections.draft." + config.place + "." + config.template + "." + (config.rectification || "");
  var draft = load();
  var messages = {};
  var catalogue = document.getElementById("inspection-messages");
  Array.prototype.forEach.call(catalogue.content.querySelectorAll("[data-msg]"), function (el) {
    messages[el.getAttribute("data-msg")] = el.textContent;
  });

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(draftKey) || "null");
      if (saved && saved.key) { return saved; }
    } catch (e) { /* a broken draft starts again */ }
    return { key: newKey(), answers: {}, note: "", location: null };
  }
  function save() { window.localStorage.setItem(draftKey, JSON.stringify(draft)); }

  function answer(key) {
    if (!draft.answers[key]) { draft.answers[key] = { result: "", value: null, note: "", photos: [] }; }
    return draft.answers[key];
  }

  function shown(item) {
    var c = item.condition;
    if (!c) { return true; }
    var earlier = draft.answers[c.item];
    if (!earlier || !isShown(c.item)) { return false; }
    if (Object.prototype.hasOwnProperty.call(c, "result")) { return earlier.result === c.result; }
    return earlier.value === c.value;
  }
  function isShown(key) {
    var el = document.getElementById("item-" + key);
    return el && !el.hidden;
  }
  function refresh() {
    config.items.forEach(function (item) {
      document.getElementById("item-" + item.key).hidden = !shown(item);
    });
  }

  function fill() {
    config.items.forEach(function (item) {
      var a = draft.answers[item.key];
      if (!a) { return; }
      var radio = form.querySelector("input[name='r-" + item.key + "'][value='" + a.result + "']");
      if (radio) { radio.checked = true; }
      var value = form.elements["v-" + item.key];
      if (value && a.value !== null && a.value !== undefined) { value.value = a.value; }
      var note = form.elements["n-" + item.key];
      if (note) { note.value = a.note || ""; }
      thumbs(item.key);
    });
    form.elements.note.value = draft.note || "";
    refresh();
  }

  function thumbs(key) {
    var box = form.querySelector("[data-thumbs='" + key + "']");
    if (!box) { return; }
    box.textContent = "";
    (answer(key).photos || []).forEach(function (src) {
      var img = document.createElement("img");
      img.src = src;
      img.alt = "";
      box.appendChild(img);
    });
  }

  function shrink(file) {
    // Re-drawn on a canvas (at most 1280 px): smaller to keep offline, and the camera's metadata is not copied.
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = reject;
      reader.onload = function () {
        var img = new Image();
        img.onerror = reject;
        img.onload = function () {
          var scale = Math.min(1, 1280 / Math.max(img.width, img.height));
          var canvas = document.createElement("canvas");
          canvas.width = Math.round(img.width * scale);
          canvas.height = Math.round(img.height * scale);
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          resolve(canvas.toDataURL("image/jpeg", 0.8));
        };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  form.addEventListener("change", function (e) {
    var name = e.target.name || "";
    var key = name.slice(2);
    if (name.indexOf("r-") === 0) { answer(key).result = e.target.value; }
    else if (name.indexOf("v-") === 0) {
      var item = config.items.filter(function (i) { return i.key === key; })[0];
      var raw = e.target.value;
      answer(key).value = raw === "" ? null : (item.kind === "number" ? Number(raw) : raw);
    } else if (name.indexOf("n-") === 0) { answer(key).note = e.target.value; }
    else if (name.indexOf("p-") === 0 && e.target.files.length) {
      Array.prototype.forEach.call(e.target.files, function (file) {
        shrink(file).then(function (data) {
          answer(key).photos.push(data);
          if (!answer(key).result) { answer(key).result = "fail"; fill(); }
          save();
          thumbs(key);
        });
      });
      e.target.value = "";
    } else if (name === "note") { draft.note = e.target.value; }
    refresh();
    save();
  });

  document.getElementById("all-pass").addEventListener("click", function () {
    config.items.forEach(function (item) {
      if (!isShown(item.key)) { return; }
      var a = answer(item.key);
      if (!a.result) { a.result = item.kind === "photo" ? "na" : "pass"; }
      refresh();
    });
    fill();
    save();
  });

  function say(text, kind) {
    status.hidden = false;
    status.className = kind;
    status.textContent = text;
  }

  function body() {
    var answers = [];
    config.items.forEach(function (item) {
      var a = draft.answers[item.key];
      if (!isShown(item.key) || !a || !a.result) { return; }
      var out = { item: item.key, result: a.result };
      if (a.value !== null && a.value !== undefined && item.kind !== "photo" && item.kind !== "yes_no") { out.value = a.value; }
      if (a.note) { out.note = a.note; }
      if (a.photos && a.photos.length) { out.photos = a.photos; }
      answers.push(out);
    });
    var out = {
      place_id: config.place,
      template_id: config.template,
      answers: answers,
      client_key: draft.key,
      done_at: draft.done_at || new Date().toISOString(),
      note: draft.note || ""
    };
    if (config.rectification) { out.rectification_id = config.rectification; }
    if (draft.location) { out.location = draft.location; }
    return out;
  }

  function missing() {
    var first = null;
    form.querySelectorAll("[data-error]").forEach(function (el) { el.hidden = true; });
    config.items.forEach(function (item) {
      if (!item.required || !isShown(item.key)) { return; }
      var a = draft.answers[item.key];
      if (!a || !a.result) {
        var el = form.querySelector("[data-error='" + item.key + "']");
        el.textContent = messages.required;
        el.hidden = false;
        first = first || el;
      }
    });
    return first;
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var gap = missing();
    if (gap) { gap.scrollIntoView({ block: "center" }); return; }
    draft.done_at = draft.done_at || new Date().toISOString();
    save();
    document.getElementById("submit").disabled = true;
    say(navigator.onLine ? messages.sending : messages.saved, "waiting");
    window.GZOutbox.add({ key: draft.key, url: config.api, body: body(), csrf: form.elements.csrfmiddlewaretoken.value })
      .then(function () {
        if (window.GZOutbox.pending().some(function (entry) { return entry.key === draft.key; })) {
          say(messages.saved, "waiting");
        }
      });
  });

  window.GZOutbox.onResult(function (result) {
    if (result.entry.key !== draft.key) { return; }
    if (result.ok) {
      window.localStorage.removeItem(draftKey);
      var opened = (result.body.rectifications || []).length;
      say(messages.sent + (opened ? " · " + messages.opened + " " + opened : ""), "ok");
      var link = document.createElement("a");
      link.href = config.inspection_url.replace("/0/", "/" + result.body.id + "/");
      link.textContent = " " + messages.view;
      status.appendChild(link);
    } else {
      document.getElementById("submit").disabled = false;
      var field = (result.body && result.body.field) || "";
      var match = /^answers\.([a-z0-9_]+)/.exec(field);
      var where = match && form.querySelector("[data-error='" + match[1] + "']");
      var text = (result.body && typeof result.body.detail === "string") ? result.body.detail : String(result.status);
      if (where) { where.textContent = text; where.hidden = false; where.scrollIntoView({ block: "center" }); }
      say(text, "error");
    }
  });

  var place = document.getElementById("location-status");
  if (draft.location) { place.textContent = messages.located; }
  else if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (p) {
      draft.location = { lat: p.coords.latitude, lng: p.coords.longitude, accuracy: Math.min(p.coords.accuracy || 0, 100000) };
      save();
      place.textContent = messages.located;
    }, function () { place.textContent = messages.nolocation; }, { enableHighAccuracy: true, timeout: 10000 });
  } else { place.textContent = messages.nolocation; }

  fill();
})();
