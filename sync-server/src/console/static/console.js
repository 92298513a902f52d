// Gridfield console: keyboard shortcuts, batch selection and the print button.
// Pages work without it. The only script the console runs: its CSP allows no inline
// script or handler attribute, so behaviour is attached here.
(function () {
  "use strict";
  var rows = [];
  var cursor = -1;
  function typing(e) {
    var t = e.target.tagName;
    return t === "INPUT" || t === "TEXTAREA" || t === "SELECT";
  }
  function move(d) {
    if (!rows.length) return;
    if (cursor >= 0) rows[cursor].classList.remove("cursor");
    cursor = Math.max(0, Math.min(rows.length - 1, cursor + d));
    rows[cursor].classList.add("cursor");
    rows[cursor].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var table = document.querySelector("table[data-nav]");
    if (table) rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-href]"));
    document.querySelectorAll("button[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    var all = document.querySelector("input[data-all]");
    if (all) all.addEventListener("change", function () {
      document.querySelectorAll("#batch input[name=id]").forEach(function (b) { b.checked = all.checked; });
    });
  });
  var pendingG = false;
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e)) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    if (pendingG) {
      pendingG = false;
      var go = { d: "/console", i: "/console/inspections", h: "/console/hazards", r: "/console/reports", p: "/console/addresses" }[e.key];
      if (go) { window.location = go; e.preventDefault(); }
      return;
    }
    switch (e.key) {
      case "g": pendingG = true; break;
      case "j": move(1); e.preventDefault(); break;
      case "k": move(-1); e.preventDefault(); break;
      case "Enter": case "o":
        if (cursor >= 0) { window.location = rows[cursor].getAttribute("data-href"); e.preventDefault(); }
        break;
      case "x":
        if (cursor >= 0) { var b = rows[cursor].querySelector("input[type=checkbox]"); if (b) b.checked = !b.checked; }
        break;
      case "A":
        var batch = document.getElementById("batch");
        if (batch) { batch.querySelector("button[data-key=A]").click(); e.preventDefault(); }
        break;
      case "a":
        var ap = document.getElementById("approve");
        if (ap) { ap.click(); e.preventDefault(); }
        break;
      case "r":
        var c = document.getElementById("comment");
        if (c) { c.focus(); e.preventDefault(); }
        break;
      case "/":
        var q = document.querySelector("input[type=search]");
        if (q) { q.focus(); e.preventDefault(); }
        break;
    }
  });
})();
/* triage: batch approval asks first, with the count (the server asks again without this) */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var batch = document.getElementById("batch");
    if (!batch || !batch.getAttribute("data-confirm")) return;
    batch.addEventListener("submit", function (e) {
      var n = batch.querySelectorAll("input[name=id]:checked").length;
      if (!n) return;
      if (!window.confirm(batch.getAttribute("data-confirm").replace("{n}", String(n)))) {
        e.preventDefault();
        return;
      }
      var ok = document.createElement("input");
      ok.type = "hidden";
      ok.name = "confirmed";
      ok.value = String(n);
      batch.appendChild(ok);
    });
  });
})();
