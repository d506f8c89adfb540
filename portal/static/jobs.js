// The job page's progress bar (templates/ledgers/job.html): while the job is queued or running,
// asks /ledgers/jobs/{id}/progress every second and reloads the page once the job has finished.
"use strict";

const POLL_MS = 1000;

async function poll(section) {
  const response = await fetch(`/ledgers/jobs/${section.dataset.job}/progress`, {
    headers: { Accept: "application/json" },
  });
  if (!response.ok) return;
  const { state, done, total } = await response.json();
  if (state === "done" || state === "failed") {
    window.location.reload();
    return;
  }
  const bar = section.querySelector("[data-job-bar]");
  if (total) {
    bar.max = total;
    bar.value = done;
  }
  section.querySelector("[data-job-count]").textContent = total
    ? `已处理 ${done} / ${total} 行`
    : `已处理 ${done} 行`;
  window.setTimeout(() => poll(section), POLL_MS);
}

const section = document.querySelector("[data-job]");
if (section && section.dataset.running === "true") {
  window.setTimeout(() => poll(section), POLL_MS);
}
