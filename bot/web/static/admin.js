/* The console's only script: live character count, opt-out preview, progress polling,
   confirmation of destructive buttons. Every page works without it. */
(function () {
  "use strict";

  function chars(text) { return Array.from(text).length; }  // code points, as the server counts

  function setupCompose() {
    var text = document.getElementById("text");
    var topic = document.getElementById("topic");
    var counter = document.getElementById("char-count");
    var preview = document.getElementById("live-preview");
    if (!text || !counter) { return; }
    var limit = parseInt(counter.getAttribute("data-limit"), 10) || 2000;
    var joiner = counter.getAttribute("data-joiner") || "\n\n";
    function optOut() {
      var option = topic && topic.options[topic.selectedIndex];
      return option ? option.getAttribute("data-optout") || "" : "";
    }
    function update() {
      var line = optOut();
      var total = chars(text.value) + (line ? chars(joiner) + chars(line) : 0);
      counter.textContent = total + " / " + limit + " ký tự (đã gồm dòng hướng dẫn ngừng nhận tin)";
      counter.classList.toggle("over", total > limit);
      if (preview) {
        preview.textContent = "";
        preview.appendChild(document.createTextNode(text.value));
        if (line) {
          var span = document.createElement("span");
          span.className = "optout";
          span.textContent = joiner + line;
          preview.appendChild(span);
        }
      }
    }
    text.addEventListener("input", update);
    if (topic) { topic.addEventListener("change", update); }
    update();
  }

  function setupProgress() {
    var box = document.querySelector("[data-progress-url]");
    if (!box) { return; }
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("progress");
    var label = box.querySelector("[data-progress-label]");
    var status = document.querySelector("[data-status]");
    var finished = ["done", "cancelled", "expired"];
    var started = Date.now();
    var limitMs = 6 * 3600 * 1000;  // a page left open does not poll forever
    function tick() {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return schedule(10000); }
          if (bar) { bar.max = Math.max(data.total, 1); bar.value = data.handled; }
          if (label) { label.textContent = data.label; }
          if (status && data.status !== status.getAttribute("data-status")) {
            window.location.reload();
            return;
          }
          if (finished.indexOf(data.status) < 0) { schedule(2000); }
        })
        .catch(function () { schedule(10000); });
    }
    function schedule(ms) { if (Date.now() - started < limitMs) { window.setTimeout(tick, ms); } }
    schedule(1500);
  }

  function setupConfirm() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-confirm]");
      if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  }

  function setupCopy() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-copy]");
      if (!button || !navigator.clipboard) { return; }
      var source = document.getElementById(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = "Đã chép";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupCompose();
    setupProgress();
    setupConfirm();
    setupCopy();
  });
})();
