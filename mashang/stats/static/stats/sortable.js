// Tables with class "sortable": a click on a heading sorts by that column (again: reversed).
// Cells sort by data-v when they carry one (rates: the number without "%"), "—" last.
(function () {
  function value(row, i) {
    var cell = row.cells[i];
    if (!cell) return null;
    var raw = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
    if (raw === "" || raw === "—") return null;
    var n = parseFloat(raw.replace("%", ""));
    return isNaN(n) ? raw : n;
  }
  function sort(table, i, th) {
    var body = table.tBodies[0];
    var desc = th.getAttribute("aria-sort") !== "descending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", desc ? "descending" : "ascending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, i), y = value(b, i);
      if (x === null) return y === null ? 0 : 1;
      if (y === null) return -1;
      var d = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh-CN");
      return desc ? -d : d;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function init() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      if (!table.tHead || !table.tBodies[0]) return;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
        var button = document.createElement("button");
        button.type = "button"; button.className = "sort"; button.textContent = th.textContent;
        button.title = "按此列排序";
        th.textContent = ""; th.appendChild(button);
        button.addEventListener("click", function () { sort(table, i, th); });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
