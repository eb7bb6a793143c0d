// Year-end reports: every element with data-status-url polls its report's
// status each second and updates its progress bar until the build ends.
(function () {
  "use strict";

  function setBar(box, data) {
    var outer = box.querySelector(".progress");
    var bar = box.querySelector(".progress-bar");
    var progress = Math.max(0, Math.min(100, Number(data.progress) || 0));
    bar.style.width = progress + "%";
    bar.textContent = progress + "%";
    outer.setAttribute("aria-valuenow", String(progress));
    var running = data.status === "queued" || data.status === "running";
    bar.classList.toggle("progress-bar-striped", running);
    bar.classList.toggle("progress-bar-animated", running);
    bar.classList.toggle("bg-success", data.status === "done");
    bar.classList.toggle("bg-danger", data.status === "failed");
    var status = box.querySelector("[data-role=status]");
    if (status && data.status_label) status.textContent = data.status_label;
    var step = box.querySelector("[data-role=step]");
    if (step && "step_label" in data) step.textContent = data.step_label ? " · " + data.step_label : "";
    var links = box.querySelector("[data-role=links]");
    if (links && data.pdf_url) {
      box.querySelector("[data-role=pdf]").href = data.pdf_url;
      box.querySelector("[data-role=xlsx]").href = data.xlsx_url;
      links.hidden = false;
    }
    var error = box.querySelector("[data-role=error]");
    if (error && "error" in data) {
      error.textContent = data.error || "";
      error.hidden = !data.error;
    }
    return running;
  }

  function poll(box) {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (setBar(box, data)) {
          window.setTimeout(function () { poll(box); }, 1000);
        } else if (data.status === "done" && box.closest("[data-reload-when-done='1']")) {
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(box); }, 5000);
      });
  }

  document.querySelectorAll(".report-progress[data-status-url]").forEach(function (box) {
    setBar(box, { progress: box.dataset.progress, status: box.dataset.status });
    if (box.dataset.status === "queued" || box.dataset.status === "running") {
      window.setTimeout(function () { poll(box); }, 1000);
    }
  });
})();
