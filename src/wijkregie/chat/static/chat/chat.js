// The building chat in the browser: live messages by server-sent events (the browser
// resends Last-Event-ID after a lost connection, so nothing is missed or doubled),
// polling when there is no stream, posting without reloading, and an aria-live region
// that announces new messages. Message text is only ever set as text, never as HTML.
(function () {
  "use strict";
  var root = document.querySelector("[data-chat]");
  if (!root) return;
  var list = root.querySelector("[data-chat-list]");
  var live = root.querySelector("[data-chat-live]");
  var status = root.querySelector("[data-chat-status]");
  var last = parseInt(root.dataset.after || "0", 10) || 0;
  var events = parseInt(root.dataset.events || "0", 10) || 0;
  var seen = {};
  Array.prototype.forEach.call(list.querySelectorAll("[data-id]"), function (el) { seen[el.dataset.id] = true; });
  var URL_RE = /(https?:\/\/[^\s<>"']+)/g;

  function text(parent, tag, cls, value) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (value !== undefined) el.textContent = value;
    parent.appendChild(el);
    return el;
  }

  function body(parent, value) {
    // Links are shown as links; the server never fetches or previews them.
    var p = text(parent, "p", "wr-chat-message__body");
    var lines = value.split("\n");
    lines.forEach(function (line, i) {
      if (i) p.appendChild(document.createElement("br"));
      line.split(URL_RE).forEach(function (part, j) {
        if (j % 2 === 1) {
          var a = text(p, "a", "utrecht-link", part);
          a.href = part;
          a.rel = "nofollow noopener noreferrer ugc";
        } else if (part) {
          p.appendChild(document.createTextNode(part));
        }
      });
    });
  }

  function render(m) {
    var li = document.createElement("li");
    li.className = "wr-chat-message" + (m.author.kind === "professional" ? " wr-chat-message--professional" : "") + (m.hidden || m.deleted ? " wr-chat-message--hidden" : "");
    li.id = "m" + m.id;
    li.dataset.id = m.id;
    var meta = text(li, "p", "wr-chat-message__meta");
    text(meta, "span", "wr-chat-message__author", m.author.name);
    if (m.author.organisation) { meta.appendChild(document.createTextNode(" ")); text(meta, "span", "wr-chat-badge", m.author.organisation); }
    meta.appendChild(document.createTextNode(" "));
    var time = text(meta, "time", "", m.time);
    time.setAttribute("datetime", m.created_at);
    if (m.reply_to) text(li, "p", "wr-chat-message__reply", "↪ " + m.reply_to.author + (m.reply_to.excerpt ? ": “" + m.reply_to.excerpt + "”" : ""));
    if (m.deleted) {
      text(li, "p", "wr-chat-message__body wr-chat-message__note", root.dataset.textDeleted);
    } else if (m.hidden) {
      text(li, "p", "wr-chat-message__body wr-chat-message__note", root.dataset.textHidden + " " + root.dataset.textReason + " " + m.hidden_reason);
    } else {
      if (m.body) body(li, m.body);
      if (m.photo) { var img = document.createElement("img"); img.className = "wr-chat-photo"; img.src = m.photo; img.alt = root.dataset.textPhoto; text(li, "p").appendChild(img); }
      var actions = text(li, "div", "wr-chat-message__actions");
      actionForm(actions, root.dataset.react.replace("/0/", "/" + m.id + "/"), m);
      if (document.querySelector("[data-chat-form]")) {
        var reply = text(actions, "a", "utrecht-link wr-chat-reply", root.dataset.textReply);
        reply.href = "?reply=" + m.id + "#wr-chat-form";
        reply.dataset.reply = m.id;
        reply.dataset.author = m.author.name;
      }
      var flag = actionForm(actions, root.dataset.flag.replace("/0/", "/" + m.id + "/"));
      text(flag, "button", "utrecht-button utrecht-button--subtle", root.dataset.textFlag).type = "submit";
    }
    return li;
  }

  function actionForm(parent, action, m) {
    var form = text(parent, "form", m ? "wr-chat-reactions" : "");
    form.method = "post";
    form.action = action;
    form.setAttribute("data-chat-action", "");
    var token = text(form, "input");
    token.type = "hidden"; token.name = "csrfmiddlewaretoken"; token.value = root.dataset.csrf;
    if (m) {
      ["👍", "❤️", "😮", "🙏"].forEach(function (e) {
        var b = text(form, "button", "utrecht-button utrecht-button--subtle", e);
        b.type = "submit"; b.name = "emoji"; b.value = e;
        b.setAttribute("aria-label", root.dataset.textReaction + " " + e);
        var n = text(b, "span", "wr-chat-count", m.reactions && m.reactions[e] ? " " + m.reactions[e] : "");
        n.dataset.emoji = e;
      });
    }
    return form;
  }

  function add(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    if (m.id > last) last = m.id;
    var empty = root.querySelector("[data-chat-empty]");
    if (empty) empty.remove();
    list.appendChild(render(m));
    if (!m.hidden && !m.deleted) live.textContent = root.dataset.textNew + " " + m.author.name + ": " + (m.body || "").slice(0, 140);
  }

  // A changed message (hidden, deleted, pinned, reactions) in its current state; an
  // erased one goes. Also sent again after a reconnect: applying one twice does no harm.
  function update(m) {
    var old = document.getElementById("m" + m.id);
    if (!old) return;
    if (m.erased) old.remove();
    else old.replaceWith(render(m));
  }

  // A member who is no longer in the chat: they are no longer offered to talk to.
  function member(m) {
    if (!m.gone) return;
    Array.prototype.forEach.call(document.querySelectorAll('[data-chat-member="' + m.id + '"]'), function (el) { el.remove(); });
  }

  function notice(message) { status.textContent = message; }

  var polling = null;
  function poll() {
    fetch(root.dataset.poll + "?after=" + last + "&events=" + events, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.problem) notice(data.problem);
        (data.changes || []).forEach(function (c) { if (c.kind === "update") update(c.data); else member(c.data); });
        data.messages.forEach(add);
        last = Math.max(last, data.last || 0);
        events = Math.max(events, data.events || 0);
      })
      .catch(function () {});
  }
  function startPolling() {
    if (polling) return;
    notice(root.dataset.textOffline);
    polling = setInterval(poll, 3000);
  }

  if (window.EventSource) {
    var failures = 0;
    var source = new EventSource(root.dataset.stream + "?after=" + last + "&events=" + events);
    source.addEventListener("message", function (e) { failures = 0; add(JSON.parse(e.data)); });
    source.addEventListener("update", function (e) { update(JSON.parse(e.data)); });
    source.addEventListener("member", function (e) { member(JSON.parse(e.data)); });
    source.addEventListener("notice", function (e) { notice(JSON.parse(e.data).message); });
    source.addEventListener("ended", function (e) { notice(JSON.parse(e.data).message); source.close(); });
    source.addEventListener("open", function () { failures = 0; if (polling) { clearInterval(polling); polling = null; notice(""); } });
    source.addEventListener("error", function () {
      failures += 1;
      if (source.readyState === EventSource.CLOSED || failures > 3) { source.close(); startPolling(); }
    });
  } else {
    startPolling();
  }

  // Posting, reactions and flags without reloading; errors shown, the text kept.
  var form = document.querySelector("[data-chat-form]");
  function send(f, after) {
    var data = new FormData(f);
    var submitter = f.__submitter;
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    return fetch(f.action, { method: "POST", body: data, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().catch(function () { return { ok: r.ok }; }); })
      .then(after);
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("button[type=submit]");
    if (b && b.form) b.form.__submitter = b;
    var reply = e.target.closest("[data-reply]");
    if (reply && form) {
      e.preventDefault();
      form.querySelector("[name=reply_to]").value = reply.dataset.reply;
      var note = form.querySelector("[data-chat-replying]");
      note.textContent = root.dataset.textReply + ": " + reply.dataset.author;
      note.hidden = false;
      form.querySelector("textarea").focus();
    }
  });
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.hasAttribute("data-chat-action")) {
      e.preventDefault();
      send(f, function (data) { if (data && data.message) notice(data.message); });
    } else if (f === form) {
      e.preventDefault();
      send(f, function (data) {
        var box = f.querySelector(".wr-chat-error");
        if (box) box.remove();
        if (data.ok) {
          f.reset();
          f.querySelector("[name=reply_to]").value = "";
          f.querySelector("[data-chat-replying]").hidden = true;
        } else {
          box = document.createElement("div");
          box.className = "utrecht-alert utrecht-alert--error wr-chat-error";
          box.setAttribute("role", "alert");
          text(box, "p", "utrecht-paragraph", (data.errors || []).join(" "));
          f.insertBefore(box, f.firstChild.nextSibling);
        }
      });
    }
  });
})();
