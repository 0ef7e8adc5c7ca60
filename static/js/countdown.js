// Deadline countdowns that tick: every element with data-left (the seconds left when the server wrote it) shows
// "剩余 …" / "超时 …" in the words of gongzhi/core/countdown.py, read from #countdown-i18n ({% countdown_i18n %}),
// and gets the class "overdue" once past. Counting from when this page first saw the element keeps it right even
// when the device's clock is off. Elements swapped in by htmx start counting when they arrive.
(function () {
  "use strict";

  var formats = null;

  function phrases() {
    if (formats) return formats;
    var el = document.getElementById("countdown-i18n");
    formats = el ? JSON.parse(el.textContent) : null;
    return formats;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)[ds]/g, function (_m, key) { return String(values[key]); });
  }

  // The same arithmetic as countdown_text: days and hours, hours and minutes, or minutes and seconds.
  function text(seconds, f) {
    f = f || phrases();
    var left = Math.abs(seconds);
    var d = Math.floor(left / 86400), h = Math.floor((left % 86400) / 3600);
    var m = Math.floor((left % 3600) / 60), s = left % 60;
    var span = d ? fill(f.days, { d: d, h: h }) : h ? fill(f.hours, { h: h, m: m }) : fill(f.minutes, { m: m, s: s });
    return fill(seconds < 0 ? f.over : f.left, { span: span });
  }

  function tick() {
    if (!phrases()) return;
    var now = Date.now();
    document.querySelectorAll("[data-left]").forEach(function (el) {
      var left = parseInt(el.dataset.left, 10);
      if (isNaN(left)) return;
      if (!el.dataset.seen) el.dataset.seen = String(now);
      var seconds = left - Math.floor((now - parseInt(el.dataset.seen, 10)) / 1000);
      el.textContent = text(seconds);
      el.classList.toggle("overdue", seconds < 0);
    });
  }

  var root = typeof window !== "undefined" ? window : globalThis;
  root.gongzhiCountdown = { text: text };
  if (typeof document === "undefined") return; // loaded by the test of the wording (node), not a page

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", tick);
  else tick();
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 1000);
})();
