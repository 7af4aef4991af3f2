/* leaderboard: small enhancements. Every page is complete without this script; it only adds
   column sorting, the size/kind/verified filters and the benchmark search box. No network, no libraries. */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var value = cell.getAttribute("data-sort");
    return (value !== null ? value : cell.textContent).trim();
  }

  // Numbers compare as numbers, text with numeric awareness ("Model 9" before "Model 10");
  // empty cells (unknown) always go last, whatever the direction.
  function compare(a, b, sign) {
    if (a === "" || b === "") return a === b ? 0 : (a === "" ? 1 : -1);
    var x = Number(a), y = Number(b);
    if (isFinite(x) && isFinite(y)) return sign * (x - y);
    return sign * a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function sortTable(table, th, index) {
    var direction = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", direction);
    var body = table.tBodies[0];
    var rows = Array.prototype.map.call(body.rows, function (row, position) {
      return { row: row, position: position, value: cellValue(row, index) };
    });
    var sign = direction === "ascending" ? 1 : -1;
    rows.sort(function (a, b) {
      return compare(a.value, b.value, sign) || a.position - b.position;
    });
    rows.forEach(function (item) { body.appendChild(item.row); });
  }

  function makeSortable(table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () { sortTable(table, th, index); });
    });
  }

  function checkedValues(form, name) {
    var values = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[name='" + name + "']"), function (input) {
      if (input.checked) values[input.value] = true;
    });
    return values;
  }

  function setupFilters(form) {
    var tables = document.querySelectorAll("table[data-filterable]");
    var status = form.querySelector(".filter-status");
    function apply() {
      var sizes = checkedValues(form, "size"), kinds = checkedValues(form, "kind");
      var onlyChecked = !!checkedValues(form, "checked").yes;
      var shown = 0, total = 0;
      Array.prototype.forEach.call(tables, function (table) {
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          var visible = !!sizes[row.getAttribute("data-size")] && !!kinds[row.getAttribute("data-kind")] &&
            (!onlyChecked || row.getAttribute("data-checked") === "yes");
          row.hidden = !visible;
          total += 1;
          if (visible) shown += 1;
        });
      });
      status.textContent = shown === total ? "" : "Showing " + shown + " of " + total + " rows.";
    }
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  }

  function setupSearch(box) {
    var input = box.querySelector("input");
    var table = document.getElementById(input.getAttribute("data-search-target"));
    var status = box.querySelector(".filter-status");
    if (!table) return;
    input.addEventListener("input", function () {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0, rows = table.tBodies[0].rows;
      Array.prototype.forEach.call(rows, function (row) {
        var text = row.getAttribute("data-search") || "";
        var visible = terms.every(function (term) { return text.indexOf(term) !== -1; });
        row.hidden = !visible;
        if (visible) shown += 1;
      });
      status.textContent = terms.length ? shown + " of " + rows.length + " benchmarks" : "";
    });
    box.hidden = false;
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-filters]"), setupFilters);
    Array.prototype.forEach.call(document.querySelectorAll("[data-search-box]"), setupSearch);
    document.documentElement.classList.add("js");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
