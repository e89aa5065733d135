// The sandbox page: polls /sandbox/state every second and posts what the user does.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  // modalKey null: whatever the server says next is drawn (a closed modal too); stick: the next
  // feed drawn opens at its newest message, as Slack opens a conversation.
  const state = { me: params.get("as") || $("persona").value, conv: params.get("conv") || "", html: {}, modalKey: null, stick: true };
  $("persona").value = state.me;

  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.assign({ as: state.me }, body)) }).then((r) => r.json());
  }
  function say(text) { $("status").textContent = text || ""; }
  function put(id, html) {
    if (state.html[id] === html) return;
    state.html[id] = html;
    const el = $(id);
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 20;
    el.innerHTML = html;
    if (id === "feed" && (atBottom || state.stick)) { el.scrollTop = el.scrollHeight; state.stick = false; }
  }
  function refresh() {
    const query = new URLSearchParams({ as: state.me, conv: state.conv });
    return fetch("/sandbox/state?" + query).then((r) => r.json()).then((s) => {
      state.conv = s.conv;
      $("title").textContent = s.title;
      put("conversations", s.conversations);
      put("feed", s.feed);
      if (s.modal_key !== state.modalKey) {  // never clobber a form being filled in
        state.modalKey = s.modal_key;
        $("modal").innerHTML = s.modal;
      }
    }).catch(() => say("Beacon is not answering; retrying…"));
  }
  function closeModal() { $("modal").innerHTML = ""; state.modalKey = null; }
  function go(conv) { state.conv = conv; state.html = {}; state.stick = true; history.replaceState(null, "", "?" + new URLSearchParams({ as: state.me, conv })); refresh(); }

  // A modal belongs to the person who opened it: switching persona shows theirs, or none.
  $("persona").addEventListener("change", (e) => { state.me = e.target.value; closeModal(); go(state.conv); });
  $("conversations").addEventListener("click", (e) => {
    const link = e.target.closest("[data-conv]");
    if (!link) return;
    e.preventDefault();
    if (link.dataset.conv === "home") post("/sandbox/home", {});
    go(link.dataset.conv);
  });
  if ($("test-alert")) {
    $("test-alert").addEventListener("click", () => {
      say("Sending a test alert …");
      post("/sandbox/test-alert", {}).then((r) => { say(r.error || r.text); setTimeout(refresh, 300); });
    });
  }
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("command").value.trim();
    if (!text.startsWith("/incident")) { say("Only /incident … commands reach Beacon here."); return; }
    say("Sending " + text + " …");
    post("/sandbox/command", { channel: state.conv, text: text.replace(/^\/incident\s*/, "") })
      .then((r) => { say(r.error || "Sent " + text); $("command").value = "/incident "; setTimeout(refresh, 300); });
  });
  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-click]");
    if (button) {
      e.preventDefault();
      if (button.dataset.url) window.open(button.dataset.url, "_blank", "noopener");
      const d = button.dataset;
      say("Clicked " + button.textContent.trim());
      post("/sandbox/click", { action_id: d.actionId, value: d.value, block_id: d.blockId,
        channel: d.channel, ts: d.ts, view_id: d.viewId }).then((r) => { say(r.error || ""); setTimeout(refresh, 300); });
      return;
    }
    if (e.target.closest("[data-close]")) {
      const form = e.target.closest("form.modal");
      closeModal();
      post("/sandbox/close", { view_id: form.dataset.viewId }).then(refresh);
    }
  });
  $("modal").addEventListener("submit", (e) => {
    e.preventDefault();
    const form = e.target;
    const values = {};
    form.querySelectorAll("[name]").forEach((field) => {
      const [blockId, actionId] = field.name.split("::");
      const kind = field.dataset.kind;
      let value;
      if (field.tagName === "SELECT" && field.multiple) value = Array.from(field.selectedOptions).map((o) => o.value);
      else if (kind === "checkboxes") { value = (values[blockId] && values[blockId][actionId] && values[blockId][actionId].value) || []; if (field.checked) value.push(field.value); }
      else if (kind === "radio_buttons") { value = field.checked ? field.value : (values[blockId] && values[blockId][actionId] && values[blockId][actionId].value) || null; }
      else value = field.value;
      values[blockId] = values[blockId] || {};
      values[blockId][actionId] = { kind, value };
    });
    post("/sandbox/submit", { view_id: form.dataset.viewId, values }).then((r) => {
      form.querySelectorAll(".bk-error").forEach((el) => { el.textContent = (r.errors || {})[el.dataset.errorFor] || ""; });
      form.querySelector(".modal-error").textContent = r.error || "";
      if (r.ok && !r.errors) closeModal();  // Slack closes a modal its app acked with no errors
      setTimeout(refresh, 300);
    });
  });
  refresh();
  setInterval(refresh, 1000);
})();
