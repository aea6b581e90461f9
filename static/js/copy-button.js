/* A copy button for a field the user must copy (the new API key, issue 18). No library.
   Without JavaScript the button stays hidden and the field is selectable as before. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) { return; }
    button.hidden = false;
    function said(text) { if (status) { status.textContent = text; } }
    function fallback() {
      field.focus();
      field.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      said(button.getAttribute(ok ? "data-copied" : "data-select"));
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () {
          said(button.getAttribute("data-copied"));
        }, fallback);
      } else {
        fallback();
      }
    });
  });
}());
