/* A copy button for a field the user must copy (the new API key, issue 18). No library.
   Without JavaScript the button stays hidden and the field is selectable as before. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) { return; }
    button.hidden = false;
    function said(name) { if (status) { status.textContent = button.getAttribute(name); } }
    button.addEventListener("click", function () {
      // Selecting shows what is copied, and leaves it ready for Ctrl+C if copying fails.
      field.focus();
      field.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      if (copied) {
        said("data-copied");
      } else if (navigator.clipboard && window.isSecureContext) {
        said("data-select");
        navigator.clipboard.writeText(field.value).then(function () { said("data-copied"); });
      } else {
        said("data-select");
      }
    });
  });
}());
