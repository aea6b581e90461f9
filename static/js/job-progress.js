// The job page (/jobs/<id>/): asks the API for the job every two seconds and moves the progress
// bar; once the job has finished, the page reloads to show its result. Without JavaScript the
// page's refresh link does the same.
(function () {
  "use strict";
  var section = document.getElementById("job");
  if (!section) return;
  var state = section.getAttribute("data-state");
  if (state === "succeeded" || state === "failed") return;
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  function poll() {
    fetch(section.getAttribute("data-api"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (job) {
        if (!job) return;
        if (job.state === "succeeded" || job.state === "failed") {
          window.location.reload();
          return;
        }
        if (job.progress.percent !== null) bar.value = job.progress.percent;
        count.textContent =
          job.progress.done + (job.progress.total ? " / " + job.progress.total : "");
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
