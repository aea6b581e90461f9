/* Signed-in forms (issue 8): when a form comes back with errors, move the keyboard focus to
 * the error summary, so that screen readers announce it and Tab leads to the first field.
 * Optional: without it the summary is still read (role="alert") and linked to each field. */
(function () {
  "use strict";
  function start() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
