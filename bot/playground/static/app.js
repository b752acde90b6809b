// The playground's page: posts what the user does to the server, which
// plays Slack's side to the bot, and polls for what changed.
"use strict";
(function () {
  const body = document.body;
  const as = body.dataset.as;
  const conv = body.dataset.conv;
  const hashes = { main: "", modal: "" };
  const conversation = document.getElementById("conversation");
  const modalRoot = document.getElementById("modal-root");
  const notes = document.getElementById("notes");

  async function post(path, data) {
    let res;
    try {
      res = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Playground": "1" },
        body: JSON.stringify(Object.assign({ as: as }, data)),
      });
    } catch (e) {
      note("The playground did not answer: " + e, true);
      return false;
    }
    const out = await res.json().catch(() => ({ ok: false, error: "HTTP " + res.status }));
    if (!out.ok) note(out.error, true);
    await refresh();
    return out.ok;
  }

  function note(text, bad) {
    const n = document.createElement("div");
    n.className = "note" + (bad ? " bad" : "");
    n.textContent = text;
    notes.appendChild(n);
    setTimeout(() => n.remove(), 8000);
  }

  let refreshing = null;
  async function refresh() {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      try {
        const q = new URLSearchParams({ as: as, c: conv, mh: hashes.main, dh: hashes.modal });
        const res = await fetch("/state?" + q.toString());
        if (!res.ok) return;
        const s = await res.json();
        if (s.main !== undefined) {
          const atBottom = conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 40;
          conversation.innerHTML = s.main;
          hashes.main = s.mainHash;
          if (atBottom || !conversation.dataset.loaded) conversation.scrollTop = conversation.scrollHeight;
          conversation.dataset.loaded = "1";
        }
        if (s.modal !== undefined) {
          modalRoot.innerHTML = s.modal;
          modalRoot.classList.toggle("open", s.modal !== "");
          hashes.modal = s.modalHash;
        }
        (s.notes || []).forEach((n) => note(n.text, n.bad));
      } catch (e) {
        // The next poll tries again.
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  // Where an element sits: a message in this channel, or a view.
  function origin(el) {
    const msg = el.closest("[data-msg]");
    if (msg) return { channel: conv, msg: msg.dataset.msg };
    const view = el.closest("[data-view-id]");
    if (view) return { view: view.dataset.viewId };
    return {};
  }

  function act(el, extra) {
    const d = el.dataset;
    return post("/api/action", Object.assign({ type: d.type, action_id: d.actionId, block_id: d.blockId }, origin(el), extra));
  }

  // Inside an input block an element is a form field; elsewhere it acts.
  function acts(el) { return !el.closest(".b-input"); }

  document.addEventListener("click", (ev) => {
    const t = ev.target;
    const btn = t.closest("button[data-type='button']");
    if (btn && acts(btn)) {
      ev.preventDefault();
      if (btn.dataset.confirm && !window.confirm(btn.dataset.confirm)) return;
      if (btn.dataset.url) window.open(btn.dataset.url, "_blank", "noopener,noreferrer");
      act(btn, { value: btn.dataset.value || "", text: btn.textContent });
      return;
    }
    const ob = t.closest(".el-overflow-btn");
    if (ob) {
      ev.preventDefault();
      const menu = ob.parentElement;
      document.querySelectorAll(".el-overflow.open").forEach((m) => { if (m !== menu) m.classList.remove("open"); });
      menu.classList.toggle("open");
      return;
    }
    const item = t.closest(".el-menu-item");
    if (item) {
      ev.preventDefault();
      const ov = item.closest(".el-overflow");
      ov.classList.remove("open");
      if (ov.dataset.confirm && !window.confirm(ov.dataset.confirm)) return;
      if (item.dataset.url) window.open(item.dataset.url, "_blank", "noopener,noreferrer");
      act(ov, { value: item.dataset.value, text: item.dataset.text });
      return;
    }
    document.querySelectorAll(".el-overflow.open").forEach((m) => m.classList.remove("open"));
    const close = t.closest("[data-close]");
    if (close) {
      ev.preventDefault();
      const form = close.closest("form.modal");
      modalRoot.classList.remove("open");
      post("/api/close", { view: form.dataset.viewId });
      return;
    }
    const ctl = t.closest("[data-control]");
    if (ctl) {
      ev.preventDefault();
      ctl.disabled = true;
      post("/api/control", { name: ctl.dataset.control }).finally(() => { ctl.disabled = false; });
    }
  });

  document.addEventListener("change", (ev) => {
    const el = ev.target;
    const choices = el.closest && el.closest(".el-choices[data-type]");
    if (choices && acts(choices)) {
      if (choices.dataset.type === "radio_buttons") {
        act(choices, { value: el.value, text: el.dataset.text });
      } else {
        act(choices, { selected: Array.from(choices.querySelectorAll("input:checked")).map((c) => ({ value: c.value, text: c.dataset.text })) });
      }
      return;
    }
    if (!el.dataset || !el.dataset.type || !acts(el)) return;
    if (el.dataset.type === "multi_static_select") {
      act(el, { selected: Array.from(el.selectedOptions).map((o) => ({ value: o.value, text: o.textContent })) });
      return;
    }
    if (el.dataset.type === "static_select") {
      const o = el.options[el.selectedIndex];
      act(el, { value: o.value, text: o.textContent });
    } else if (el.dataset.type === "datepicker") {
      act(el, { selected_date: el.value });
    } else if (el.dataset.type === "timepicker") {
      act(el, { selected_time: el.value });
    }
  });

  // A modal's state, as Slack's view_submission carries it.
  function values(form) {
    const out = {};
    form.querySelectorAll(".b-input").forEach((blk) => {
      const el = blk.querySelector("[data-action-id]");
      if (!el) return;
      const d = el.dataset;
      let v = { type: d.type };
      switch (d.type) {
        case "datepicker": v.selected_date = el.value || null; break;
        case "timepicker": v.selected_time = el.value || null; break;
        case "static_select": {
          const o = el.selectedIndex >= 0 ? el.options[el.selectedIndex] : null;
          v.selected_option = o && o.value ? { text: { type: "plain_text", text: o.textContent }, value: o.value } : null;
          break;
        }
        case "multi_static_select":
          v.selected_options = Array.from(el.selectedOptions).map((o) => ({ text: { type: "plain_text", text: o.textContent }, value: o.value }));
          break;
        case "radio_buttons": {
          const c = el.querySelector("input:checked");
          v.selected_option = c ? { text: { type: "plain_text", text: c.dataset.text }, value: c.value } : null;
          break;
        }
        case "checkboxes":
          v.selected_options = Array.from(el.querySelectorAll("input:checked")).map((c) => ({ text: { type: "plain_text", text: c.dataset.text }, value: c.value }));
          break;
        default: v.value = el.value === "" ? null : el.value;
      }
      out[blk.dataset.blockId] = out[blk.dataset.blockId] || {};
      out[blk.dataset.blockId][d.actionId] = v;
    });
    return out;
  }

  modalRoot.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.target.closest("form.modal");
    post("/api/submit", { view: form.dataset.viewId, values: values(form) });
  });

  const composer = document.getElementById("composer");
  if (composer) {
    composer.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const input = document.getElementById("message");
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      post("/api/command", { channel: conv, text: text });
    });
  }

  document.getElementById("acting-as").addEventListener("change", (ev) => {
    const q = new URLSearchParams({ as: ev.target.value, c: conv });
    window.location.search = q.toString();
  });

  async function start() {
    if (conv === "home") await post("/api/home", {});
    await refresh();
    setInterval(refresh, 700);
  }
  start();
})();
