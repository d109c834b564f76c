// A filter whose <select> carries data-autosubmit applies as soon as a choice is made (without a script,
// the form's own button does it). One listener for every page: no inline handlers, as the CSP requires.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.requestSubmit();
  }
});
