// The building search of the queue as a combobox (WAI-ARIA APG "list autocomplete"):
// htmx fetches the suggestions into the listbox; this adds the keyboard (arrows, Enter,
// Escape) and the choice. Without JavaScript the field is a plain text search (the queue's
// building filter, the case page's add-participant person).
(function () {
  "use strict";

  function setup(root) {
    const input = root.querySelector('[role="combobox"]');
    const listbox = root.querySelector('[role="listbox"]');
    const value = root.querySelector("[data-wr-combobox-value]");
    if (!input || !listbox || !value) return;
    let active = -1;

    function options() {
      return Array.from(listbox.querySelectorAll('[role="option"]:not([aria-disabled="true"])'));
    }
    function open() {
      const any = listbox.querySelector('[role="option"]');
      listbox.hidden = !any;
      input.setAttribute("aria-expanded", any ? "true" : "false");
    }
    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      const list = options();
      if (!list.length) return;
      active = (index + list.length) % list.length;
      list.forEach((option, i) => option.setAttribute("aria-selected", i === active ? "true" : "false"));
      input.setAttribute("aria-activedescendant", list[active].id);
      list[active].scrollIntoView({ block: "nearest" });
    }
    function choose(option) {
      input.value = option.dataset.label;
      value.value = option.dataset.value;
      close();
    }

    input.addEventListener("input", () => {
      value.value = "";  // typed text: a text search until a building is chosen
    });
    listbox.addEventListener("htmx:afterSwap", () => {
      active = -1;
      if (document.activeElement === input) open();
    });
    input.addEventListener("keydown", (event) => {
      const expanded = input.getAttribute("aria-expanded") === "true";
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!expanded) open();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1) + (active < 0 && event.key === "ArrowUp" ? 1 : 0));
      } else if (event.key === "Enter" && expanded && active >= 0) {
        event.preventDefault();  // choose, do not submit yet
        choose(options()[active]);
      } else if (event.key === "Escape") {
        if (expanded) {
          event.preventDefault();
          close();
        } else if (input.value) {
          input.value = "";
          value.value = "";
        }
      }
    });
    listbox.addEventListener("mousedown", (event) => event.preventDefault());  // keep focus
    listbox.addEventListener("click", (event) => {
      const option = event.target.closest('[role="option"]:not([aria-disabled="true"])');
      if (option) choose(option);
    });
    input.addEventListener("blur", close);
    // data-wr-combobox-reset: a field whose change empties the choice (e.g. the
    // organisation the people are searched in).
    const reset = root.dataset.wrComboboxReset && document.querySelector(root.dataset.wrComboboxReset);
    if (reset) {
      reset.addEventListener("change", () => {
        input.value = "";
        value.value = "";
        listbox.replaceChildren();
        close();
      });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-wr-combobox]").forEach(setup);
  });
})();
