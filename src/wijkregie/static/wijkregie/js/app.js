// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("form-errors");
  if (summary) summary.focus();
});
