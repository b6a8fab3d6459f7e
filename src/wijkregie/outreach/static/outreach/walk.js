// The phone page of a door-to-door round: outcomes go into an outbox on the phone
// (localStorage) and are sent to the API when there is a connection. Each outcome carries
// an idempotency key made here (a UUID): sending it twice stores one visit.
(() => {
  const form = document.getElementById("visit-form");
  const status = document.getElementById("outbox-status");
  if (!form || !status || !window.fetch || !window.localStorage) return;
  const api = form.dataset.wrApi;
  const key = `wr-outbox-round-${form.dataset.wrRound}`;
  const refusedKey = `${key}-refused`;
  const list = document.getElementById("door-list");
  const refusedList = document.getElementById("outbox-refused");
  let sending = false;

  const read = (k) => { try { return JSON.parse(localStorage.getItem(k) || "[]"); } catch { return []; } };
  const write = (k, items) => localStorage.setItem(k, JSON.stringify(items));

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function show() {
    const waiting = read(key).length;
    const refused = read(refusedKey);
    let text = waiting === 0 ? status.dataset.wrEmpty
      : waiting === 1 ? status.dataset.wrOne : status.dataset.wrMany.replace("{n}", waiting);
    if (waiting && !navigator.onLine) text += ` ${status.dataset.wrOffline}`;
    if (refused.length) text += ` ${status.dataset.wrRefused.replace("{n}", refused.length)}`;
    if (status.textContent !== text) status.textContent = text;
    status.dataset.waiting = String(waiting);
    refusedList.hidden = refused.length === 0;
    refusedList.replaceChildren(...refused.map((r) => {
      const li = document.createElement("li");
      li.textContent = `${r.address}: ${r.message}`;
      return li;
    }));
    for (const item of read(key)) {
      const li = list.querySelector(`li[data-unit="${item.unit_id}"]`);
      if (li) {
        li.dataset.state = "waiting";
        const state = li.querySelector(".wr-doors__state");
        state.textContent = state.dataset.wrWaiting;
      }
    }
  }

  function chooseDoor(li) {
    if (!li) return;
    form.elements.unit_id.value = li.dataset.unit;
    document.getElementById("door-address").textContent = li.dataset.address;
    document.getElementById("door-place").firstChild.textContent = `${li.dataset.place} · `;
    document.getElementById("door-state").textContent = li.querySelector(".wr-doors__state").textContent;
    const select = form.elements.resident_id;
    const field = document.getElementById("resident-field");
    if (select) {
      const people = li.dataset.residents ? li.dataset.residents.split("|") : [];
      const first = select.options[0];
      select.replaceChildren(first, ...people.map((p) => {
        const [id, ...name] = p.split("=");
        return new Option(name.join("="), id);
      }));
      field.hidden = people.length === 0;
    }
    list.querySelectorAll("a[aria-current]").forEach((a) => a.removeAttribute("aria-current"));
    li.querySelector("a").setAttribute("aria-current", "true");
  }

  function nextDoor(after) {
    const items = [...list.querySelectorAll("li[data-unit]")];
    const start = Math.max(0, items.findIndex((li) => li.dataset.unit === after) + 1);
    return items.slice(start).find((li) => li.dataset.state === "to_do")
      || items.find((li) => li.dataset.state === "to_do");
  }

  async function flush() {
    if (sending) return;
    sending = true;
    try {
      let items = read(key);
      while (items.length) {
        const item = items[0];
        let response;
        try {
          response = await fetch(api, {
            method: "POST",
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/json",
              Accept: "application/json",
              "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
            },
            body: JSON.stringify(item.payload),
          });
        } catch {
          break; // no connection: try again later
        }
        if (response.status >= 500 || response.status === 429) break;
        if (!response.ok) {
          let message = String(response.status);
          try { const problem = await response.json(); message = problem.detail || problem.title || message; } catch { /* keep the status */ }
          write(refusedKey, [...read(refusedKey), { address: item.address, message, payload: item.payload }]);
        }
        items = read(key).filter((i) => i.payload.idempotency_key !== item.payload.idempotency_key);
        write(key, items);
        show();
      }
    } finally {
      sending = false;
      show();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const outcome = event.submitter ? event.submitter.value : "";
    if (!outcome) return;
    const unitId = data.get("unit_id");
    const optional = (name) => (data.get(name) ? Number(data.get(name)) : null);
    const payload = {
      idempotency_key: uuid(),
      unit_id: Number(unitId),
      outcome,
      recorded_at: new Date().toISOString(),
      revisit: data.get("revisit") === "on",
      topics: data.getAll("topics"),
      topics_other: data.get("topics_other") || "",
      note: data.get("note") || "",
      resident_id: optional("resident_id"),
      contact_again: data.get("contact_again") === "on",
      contact_channel: data.get("contact_channel") || "",
      concern: data.get("concern") || "",
      concern_category_id: optional("concern_category_id"),
      concern_case_id: optional("concern_case_id"),
    };
    const li = list.querySelector(`li[data-unit="${unitId}"]`);
    write(key, [...read(key), { payload, address: li ? li.dataset.address : unitId }]);
    const keep = form.elements.csrfmiddlewaretoken.value;
    form.reset();
    form.elements.csrfmiddlewaretoken.value = keep;
    show();
    chooseDoor(nextDoor(unitId));
    document.getElementById("door-heading").focus();
    flush();
  });

  list.addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (!link) return;
    event.preventDefault();
    chooseDoor(link.closest("li"));
    document.getElementById("door-heading").focus();
  });

  document.getElementById("door-heading").tabIndex = -1;
  const wanted = new URLSearchParams(location.search).get("door");
  if (wanted) chooseDoor(list.querySelector(`li[data-unit="${wanted}"]`));
  window.addEventListener("online", flush);
  window.addEventListener("offline", show);
  setInterval(flush, 20000);
  show();
  flush();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(form.dataset.wrSw, { scope: "/outreach/" }).then(() => navigator.serviceWorker.ready).then((registration) => {
      const urls = [location.pathname,
        ...[...document.querySelectorAll("link[rel=stylesheet], link[rel=manifest]")].map((l) => l.href),
        ...[...document.querySelectorAll("script[src]")].map((s) => s.src)];
      registration.active.postMessage({ type: "wr-cache", urls });
    }).catch(() => { /* no offline copy: the page still works online */ });
  }
})();
