// Counter camera scanning. The browser's BarcodeDetector where it reads QR codes (Android Chrome, Safari), else
// the vendored jsQR decoder on frames drawn to a canvas, loaded only when needed (phones on slow village networks).
// The decoded text goes into the code field and the form is submitted: the server parses bare codes and URLs alike.
// A USB keyboard-wedge scanner needs none of this: it types into the focused field and presses Enter.
(function () {
  "use strict";

  const form = document.querySelector("form[data-qr-scan]");
  if (!form) return;
  const input = form.querySelector("input[name=code]");
  const box = form.querySelector(".scanner");
  const video = box.querySelector("video");
  const status = form.querySelector(".scan-status");
  const startButton = form.querySelector("[data-scan-start]");
  const stopButton = form.querySelector("[data-scan-stop]");
  // The camera stays on from one scan to the next, and a code just handled is not sent again while the resident's
  // phone is still in view.
  const ON_KEY = "gongzhi.counter.camera";
  const LAST_KEY = "gongzhi.counter.last";
  let stream = null;
  let timer = null;
  let detectorName = "";

  function say(key) {
    status.textContent = form.dataset[key] || "";
  }

  function loadJsQR() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    return new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = form.dataset.decoder;
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  async function makeDetector() {
    if ("BarcodeDetector" in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.indexOf("qr_code") >= 0) {
          const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          detectorName = "BarcodeDetector";
          return async function () {
            const found = await detector.detect(video);
            return found.length ? found[0].rawValue : null;
          };
        }
      } catch (err) {
        // Fall through to jsQR: some desktop builds expose the API without any format.
      }
    }
    const jsQR = await loadJsQR();
    detectorName = "jsQR";
    const canvas = document.createElement("canvas");
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    return async function () {
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (!w || !h) return null;
      const scale = Math.min(1, 640 / Math.max(w, h));
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const found = jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
      return found ? found.data : null;
    };
  }

  function stop(remember) {
    if (timer) clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    box.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
    if (!remember) sessionStorage.removeItem(ON_KEY);
  }

  function found(text) {
    if (text === sessionStorage.getItem(LAST_KEY)) return false;
    sessionStorage.setItem(LAST_KEY, text);
    stop(true);
    say("msgFound");
    input.value = text;
    sessionStorage.setItem("gongzhi.counter.decoder", detectorName); // which path read it, for support and tests
    form.submit();
    return true;
  }

  async function start(fresh) {
    if (fresh) sessionStorage.removeItem(LAST_KEY);
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("msgUnsupported");
      return;
    }
    say("msgStarting");
    let detect;
    try {
      detect = await makeDetector();
    } catch (err) {
      say("msgDecoder");
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
    } catch (err) {
      sessionStorage.removeItem(ON_KEY);
      say("msgDenied");
      return;
    }
    sessionStorage.setItem(ON_KEY, "1");
    video.srcObject = stream;
    box.hidden = false;
    startButton.hidden = true;
    stopButton.hidden = false;
    await video.play();
    say("msgScanning");
    const tick = async function () {
      if (!stream) return;
      let text = null;
      try {
        text = await detect();
      } catch (err) {
        text = null; // a frame not ready yet
      }
      if (text && found(text)) return;
      timer = setTimeout(tick, 150);
    };
    tick();
  }

  startButton.addEventListener("click", function () { start(true); });
  stopButton.addEventListener("click", function () { stop(false); say(""); });
  // Back on the page after a hand-over: scanning resumes unless an order is waiting for the worker's decision.
  if (sessionStorage.getItem(ON_KEY) && !document.getElementById("order")) start(false);
})();
