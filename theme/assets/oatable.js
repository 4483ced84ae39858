/* OpenAffairs: filter and sort the regulation index table in the browser.
   Progressive enhancement: without JavaScript the full table is shown. */
(function () {
  "use strict";
  function cellValue(row, index) {
    var cell = row.cells[index];
    var time = cell && cell.querySelector("time");
    return time ? time.getAttribute("datetime") : (cell ? cell.textContent.trim() : "");
  }
  function norm(text) {
    return (text || "").normalize("NFKC").toLowerCase();
  }
  function setup(table) {
    var form = document.querySelector("form.oa-table-filter[data-for='" + table.id + "']");
    var count = document.querySelector("[data-oa-count='" + table.id + "']");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var sortIndex = -1, sortDir = 1;
    if (form) {
      form.hidden = false;
      // the drop-downs sit behind 筛选: open on a wide screen, folded on a phone
      var more = form.querySelector("details");
      if (more && window.matchMedia && window.matchMedia("(min-width: 45em)").matches) { more.open = true; }
    }
    function apply() {
      var q = form ? norm(form.elements.q.value) : "";
      var kind = form ? form.elements.kind.value : "";
      var validity = form ? form.elements.validity.value : "";
      var issuer = form ? form.elements.issuer.value : "";
      // (issue 8) in force on date D: in force from data-from, until data-until (exclusive)
      var on = form && form.elements.in_force_on ? form.elements.in_force_on.value : "";
      var shown = 0;
      rows.forEach(function (row) {
        var ok = (!q || norm(row.textContent).indexOf(q) !== -1) &&
          (!kind || row.getAttribute("data-kind") === kind) &&
          (!validity || row.getAttribute("data-validity") === validity) &&
          (!issuer || row.getAttribute("data-issuer").split("；").indexOf(issuer) !== -1) &&
          (!on || ((row.getAttribute("data-from") || "") <= on &&
                   (!row.getAttribute("data-until") || on < row.getAttribute("data-until"))));
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (count) { count.textContent = count.getAttribute("data-template").replace("{n}", shown); }
    }
    function sortBy(index) {
      sortDir = sortIndex === index ? -sortDir : 1;
      sortIndex = index;
      rows.sort(function (a, b) {
        var x = cellValue(a, index), y = cellValue(b, index);
        return (x < y ? -1 : x > y ? 1 : 0) * sortDir;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
        th.setAttribute("aria-sort", i === index ? (sortDir === 1 ? "ascending" : "descending") : "none");
      });
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "oa-sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () { sortBy(i); });
    });
    if (form) {
      form.addEventListener("input", apply);
      form.addEventListener("change", apply);
      form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    }
    apply();
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-oa-table]"), setup);
  }
  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(init);   // mkdocs-material instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
