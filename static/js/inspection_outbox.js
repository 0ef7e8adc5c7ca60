/* The inspections outbox: inspections waiting to be sent, kept in the browser (localStorage) until the server has
   them. Each entry carries the phone's own key, sent as Idempotency-Key, so sending it again after a lost answer
   returns the inspection stored the first time instead of storing it twice. Sent when added, when the browser is
   back online, and when any inspections page opens. */
(function () {
  "use strict";
  var STORE = "gz.inspections.outbox";
  var listeners = [];
  var busy = false;

  function read() {
    try { return JSON.parse(window.localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function write(entries) { window.localStorage.setItem(STORE, JSON.stringify(entries)); }
  function remove(key) { write(read().filter(function (e) { return e.key !== key; })); }

  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(name + "=") === 0; })[0];
    return found ? decodeURIComponent(found.split("=").slice(1).join("=")) : "";
  }

  function notify(result) { listeners.forEach(function (fn) { fn(result); }); showCount(); }

  function send(entry) {
    return fetch(entry.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Idempotency-Key": entry.key,
        "X-CSRFToken": cookie("csrftoken") || entry.csrf
      },
      body: JSON.stringify(entry.body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) { remove(entry.key); notify({ entry: entry, ok: true, body: body }); return true; }
        if (response.status >= 500 || response.status === 408 || response.status === 429) { return false; }
        // Refused (bad input, no permission): out of the outbox, back to the form with the reason.
        remove(entry.key);
        notify({ entry: entry, ok: false, status: response.status, body: body });
        return true;
      });
    });
  }

  function flush() {
    if (busy || !navigator.onLine) { showCount(); return Promise.resolve(); }
    busy = true;
    var entries = read();
    var chain = Promise.resolve(true);
    entries.forEach(function (entry) {
      chain = chain.then(function (go) { return go ? send(entry) : false; });
    });
    return chain.catch(function () { return false; }).then(function () { busy = false; showCount(); });
  }

  function add(entry) {
    var entries = read().filter(function (e) { return e.key !== entry.key; });
    entries.push(entry);
    write(entries);
    showCount();
    return flush();
  }

  function showCount() {
    var box = document.getElementById("outbox-status");
    if (!box) { return; }
    var n = read().length;
    box.hidden = n === 0;
    box.textContent = n + " " + (box.getAttribute("data-label") || "⇡");
  }

  window.GZOutbox = { add: add, flush: flush, pending: read, onResult: function (fn) { listeners.push(fn); } };
  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", flush);
})();
