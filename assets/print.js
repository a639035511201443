// Print buttons ([data-print]) are rendered hidden, so a page without
// script shows no dead button; this file reveals them and opens the
// browser's print dialog. It is a file of its own because the
// Content-Security-Policy allows script from this site only, never inline.
"use strict";
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
