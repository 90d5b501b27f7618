/* The content editor: the draft is checked by the server's validator while staff type.
   The page works without it (the "Kiểm tra" button does the same). */
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form) { return; }
  var url = form.getAttribute("data-check-url");
  var errors = document.getElementById("errors");
  var warnings = document.getElementById("warnings");
  var timer = null;
  var seq = 0;
  function list(items, className) {
    var ul = document.createElement("ul");
    ul.className = className;
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      ul.appendChild(li);
    });
    return ul;
  }
  function show(data) {
    var box = document.getElementById("errors");
    var next;
    if (data.errors.length) { next = list(data.errors, "errors"); }
    else { next = document.createElement("p"); next.className = "ok-line"; next.textContent = "Không có lỗi."; }
    next.id = "errors";
    box.replaceWith(next);
    var w = list(data.warnings, "warnings");
    w.id = "warnings";
    document.getElementById("warnings").replaceWith(w);
  }
  function check() {
    var mine = ++seq;
    var body = new FormData(form);
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "X-CSRF-Token": body.get("csrf_token") || "", "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && mine === seq) { show(data); } })
      .catch(function () {});
  }
  form.addEventListener("input", function (event) {
    if (event.target && event.target.id === "try_text") { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 700);
  });
  if (errors && warnings) { /* elements present: live checking is on */ }
})();
