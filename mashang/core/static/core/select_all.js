/* A checkbox with data-select-all="NAME" ticks or clears every checkbox named NAME.
   A file, not an inline handler: the Content-Security-Policy runs no inline event attributes. */
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("input[type=checkbox][data-select-all]")) return;
  document.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]').forEach(function (b) {
    b.checked = box.checked;
  });
});
