// The receipt's print button: the only script of the site, and optional
// (without it the button stays hidden and the browser's print menu remains).
document.querySelectorAll("button[data-print]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () { window.print(); });
});
