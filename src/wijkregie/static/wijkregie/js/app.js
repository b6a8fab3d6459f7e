// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("form-errors");
  if (summary) summary.focus();
});

// A standard text offered beside a field: <button data-wr-fill="FIELD_ID" data-wr-text="…">.
// The button puts the text in the field. With data-wr-fill-if-untouched the text goes in
// by itself when it arrives, but only into a field that is empty or still holds the
// standard text put there before: what someone typed is never overwritten.
function wrFill(button) {
  const field = document.getElementById(button.dataset.wrFill);
  if (!field) return;
  field.value = button.dataset.wrText;
  field.dataset.wrStandard = button.dataset.wrText;
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-wr-fill]");
  if (button) wrFill(button);
});

document.addEventListener("htmx:afterSwap", (event) => {
  event.target.querySelectorAll("[data-wr-fill][data-wr-fill-if-untouched]").forEach((button) => {
    const field = document.getElementById(button.dataset.wrFill);
    if (!field) return;
    const untouched = field.value.trim() === "" || field.value === field.dataset.wrStandard;
    if (untouched) wrFill(button);
  });
});

// Controls that need JavaScript are in the page with `hidden` and data-wr-js-only.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-wr-js-only]").forEach((el) => { el.hidden = false; });
});

// <button data-wr-copy="ELEMENT_ID" data-wr-copied="…">: copies the element's text and
// says so in #copy-status (a live region). <button data-wr-print>: prints the page.
document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-wr-copy]");
  if (copy) {
    const source = document.getElementById(copy.dataset.wrCopy);
    const status = document.getElementById("copy-status");
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim()).then(() => {
        if (status) status.textContent = copy.dataset.wrCopied || "";
      });
    }
  }
  if (event.target.closest("[data-wr-print]")) window.print();
});
