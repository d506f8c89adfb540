// Progressive enhancement only: every page works without this file.
"use strict";

// Forms marked data-confirm ask before doing something that cannot be undone (close, reject).
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Filter forms marked data-autosubmit apply a changed select at once.
document.addEventListener("change", (event) => {
  const form = event.target.form;
  if (form && form.dataset.autosubmit !== undefined && event.target.tagName === "SELECT") {
    form.requestSubmit();
  }
});
