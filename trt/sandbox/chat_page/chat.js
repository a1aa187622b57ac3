// The sandbox web chat: long-polls /_chat/state and acts as the user through /_chat/*.
(function () {
  "use strict";

  const el = (id) => document.getElementById(id);
  const messagesBox = el("messages");
  const userInput = el("user-id");
  const textInput = el("text-input");
  const toast = el("toast");
  const params = new URLSearchParams(window.location.search);
  let userId = Number(params.get("user_id") || userInput.value || 1001);
  let version = -1;
  let pollToken = 0;
  let stickToBottom = true;
  const rendered = new Map();
  userInput.value = String(userId);

  function node(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = text;
    return element;
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.assign({ user_id: userId }, body)),
    });
    if (!response.ok) throw new Error(await response.text());
    return response.json();
  }

  let toastTimer = 0;
  function showToast(text, isAlert) {
    if (!text) return;
    if (isAlert) { window.alert(text); return; }
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, 2500);
  }

  const SAFE_URL = /^(https?|tg):/i;
  const ENTITY_TAGS = {
    bold: "strong", italic: "em", underline: "u", strikethrough: "s",
    code: "code", pre: "pre", spoiler: "span", blockquote: "blockquote",
    expandable_blockquote: "blockquote",
  };

  // Entities use UTF-16 offsets, which is exactly how JavaScript strings index.
  function renderText(text, entities) {
    const box = node("div", "text");
    const cuts = new Set([0, text.length]);
    for (const e of entities) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
    const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
    for (let i = 0; i < points.length - 1; i += 1) {
      const start = points[i];
      const end = points[i + 1];
      let piece = document.createTextNode(text.slice(start, end));
      for (const e of entities) {
        if (e.offset > start || e.offset + e.length < end) continue;
        let wrapper;
        const href = e.url || text.slice(e.offset, e.offset + e.length);
        if ((e.type === "text_link" || e.type === "url") && SAFE_URL.test(href)) {
          wrapper = node("a");
          wrapper.href = href;
          wrapper.target = "_blank";
          wrapper.rel = "noopener";
        } else if (ENTITY_TAGS[e.type]) {
          wrapper = node(ENTITY_TAGS[e.type], e.type === "spoiler" ? "spoiler" : "");
        } else {
          continue;
        }
        wrapper.appendChild(piece);
        piece = wrapper;
      }
      box.appendChild(piece);
    }
    return box;
  }

  function formatSize(bytes) {
    if (!bytes) return "";
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1048576) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / 1048576).toFixed(1) + " MB";
  }

  function renderMedia(media) {
    const box = node("div", "media media-" + media.kind);
    if (media.kind === "photo") {
      const img = node("img");
      img.src = media.url;
      img.alt = "photo";
      img.addEventListener("load", keepAtBottom);
      img.addEventListener("click", () => window.open(media.url, "_blank"));
      box.appendChild(img);
    } else if (media.kind === "video" || media.kind === "animation") {
      const video = node("video");
      video.src = media.url;
      video.controls = media.kind === "video";
      video.autoplay = video.loop = video.muted = media.kind === "animation";
      box.appendChild(video);
    } else if (media.kind === "audio" || media.kind === "voice") {
      const audio = node("audio");
      audio.src = media.url;
      audio.controls = true;
      box.appendChild(audio);
    } else {
      const link = node("a", "document");
      link.href = media.url;
      link.download = media.file_name || "file";
      const name = media.file_name || "file";
      const extension = name.includes(".") ? name.split(".").pop().slice(0, 4) : "FILE";
      link.appendChild(node("span", "doc-icon", extension.toUpperCase()));
      const info = node("span", "doc-info");
      info.appendChild(node("span", "doc-name", media.file_name || "file"));
      info.appendChild(node("span", "doc-size", formatSize(media.file_size)));
      link.appendChild(info);
      box.appendChild(link);
    }
    return box;
  }

  function formatAmount(invoice) {
    if (invoice.currency === "XTR") return "⭐ " + invoice.total_amount;
    return (invoice.total_amount / 100).toFixed(2) + " " + invoice.currency;
  }

  function renderInvoice(message) {
    const invoice = message.invoice;
    const card = node("div", "invoice");
    card.appendChild(node("div", "invoice-title", invoice.title));
    card.appendChild(node("div", "invoice-description", invoice.description));
    card.appendChild(node("div", "invoice-amount", formatAmount(invoice)));
    const pay = node("button", "pay-button", invoice.paid ? "Оплачено ✓ Paid" : "Оплатить " + formatAmount(invoice));
    pay.type = "button";
    pay.disabled = invoice.paid;
    pay.addEventListener("click", async () => {
      pay.disabled = true;
      pay.classList.add("busy");
      try {
        const outcome = await post("/_chat/pay", { message_id: message.id });
        if (outcome.status === "paid") showToast("Оплата прошла · Payment done");
        else if (outcome.status === "refused") showToast(outcome.error_message || "Отказ", true);
        else showToast("Бот не ответил вовремя · The bot did not answer in time", true);
      } catch (error) {
        showToast(String(error.message || error), true);
      } finally {
        pay.classList.remove("busy");
      }
    });
    card.appendChild(pay);
    return card;
  }

  function renderButtons(message) {
    const keyboard = node("div", "inline-keyboard");
    for (const row of message.buttons) {
      const line = node("div", "keyboard-row");
      for (const button of row) {
        if (button.url && SAFE_URL.test(button.url)) {
          const link = node("a", "inline-button", button.text);
          link.href = button.url;
          link.target = "_blank";
          link.rel = "noopener";
          line.appendChild(link);
          continue;
        }
        const press = node("button", "inline-button", button.text);
        press.type = "button";
        press.dataset.callback = button.callback_data || "";
        press.disabled = button.callback_data === undefined;
        press.addEventListener("click", () => pressButton(press, message.id, button));
        line.appendChild(press);
      }
      keyboard.appendChild(line);
    }
    return keyboard;
  }

  async function pressButton(press, messageId, button) {
    press.classList.add("busy");
    try {
      const answer = await post("/_chat/press", {
        message_id: messageId, callback_data: button.callback_data,
      });
      if (!answer.answered) showToast("Бот не ответил на нажатие · No answer to the press");
      else showToast(answer.text, answer.show_alert);
      if (answer.url) window.open(answer.url, "_blank");
    } catch (error) {
      showToast(String(error.message || error), true);
    } finally {
      press.classList.remove("busy");
    }
  }

  function formatTime(date) {
    if (!date) return "";
    const d = new Date(date * 1000);
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  function renderMessage(message) {
    if (message.service) {
      const service = node("div", "service");
      service.appendChild(node("span", "", message.service));
      return service;
    }
    const line = node("div", "line " + (message.from_bot ? "from-bot" : "from-user"));
    const bubble = node("div", "bubble");
    bubble.dataset.messageId = String(message.id);
    if (message.media) bubble.appendChild(renderMedia(message.media));
    if (message.invoice) bubble.appendChild(renderInvoice(message));
    if (message.text) bubble.appendChild(renderText(message.text, message.entities || []));
    const meta = node("div", "meta");
    if (message.edited) meta.appendChild(node("span", "edited", "изменено"));
    meta.appendChild(node("span", "time", formatTime(message.date)));
    bubble.appendChild(meta);
    line.appendChild(bubble);
    if (message.buttons && message.buttons.length) line.appendChild(renderButtons(message));
    return line;
  }

  function renderReplyKeyboard(markup) {
    const box = el("reply-keyboard");
    box.replaceChildren();
    box.hidden = !markup || !markup.keyboard;
    if (box.hidden) return;
    for (const row of markup.keyboard) {
      const line = node("div", "keyboard-row");
      for (const button of row) {
        const label = typeof button === "string" ? button : button.text;
        const key = node("button", "reply-button", label);
        key.type = "button";
        key.addEventListener("click", () => sendText(label));
        line.appendChild(key);
      }
      box.appendChild(line);
    }
  }

  function keepAtBottom() {
    if (stickToBottom) messagesBox.scrollTop = messagesBox.scrollHeight;
  }

  // Unchanged messages keep their DOM nodes, so images and players are not reloaded.
  function messageNode(message) {
    const signature = JSON.stringify(message);
    const cached = rendered.get(message.id);
    if (cached && cached.signature === signature) return cached.node;
    const fresh = renderMessage(message);
    rendered.set(message.id, { signature: signature, node: fresh });
    return fresh;
  }

  function render(state) {
    el("bot-name").textContent = state.bot.first_name || "Bot";
    el("bot-avatar").textContent = (state.bot.first_name || "B").slice(0, 1);
    el("bot-status").textContent = state.blocked ? "blocked" : "@" + (state.bot.username || "bot");
    const nodes = state.messages.map(messageNode);
    if (!nodes.length) nodes.push(node("div", "empty", "Напишите /start, чтобы начать · Type /start to begin"));
    messagesBox.replaceChildren(...nodes);
    renderReplyKeyboard(state.reply_keyboard);
    keepAtBottom();
  }

  messagesBox.addEventListener("scroll", () => {
    stickToBottom = messagesBox.scrollHeight - messagesBox.scrollTop - messagesBox.clientHeight < 80;
  });

  async function poll(token) {
    let failures = 0;
    while (token === pollToken) {
      try {
        const wait = version < 0 ? 0 : 20;
        const url = "/_chat/state?user_id=" + userId + "&since=" + version + "&wait=" + wait;
        const response = await fetch(url);
        if (!response.ok) throw new Error("state " + response.status);
        const state = await response.json();
        if (token !== pollToken) return;
        render(state);
        version = state.version;
        failures = 0;
      } catch (error) {
        failures += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 300 * failures)));
      }
    }
  }

  function restart() {
    version = -1;
    stickToBottom = true;
    rendered.clear();
    pollToken += 1;
    poll(pollToken);
  }

  async function sendText(text) {
    if (!text.trim()) return;
    try {
      await post("/_chat/send", { text: text });
    } catch (error) {
      showToast(String(error.message || error), true);
    }
  }

  // Enter sends, Shift+Enter starts a new line (a dialogue is one line per voice).
  textInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      el("composer").requestSubmit();
    }
  });
  textInput.addEventListener("input", () => {
    textInput.style.height = "auto";
    textInput.style.height = textInput.scrollHeight + "px";
  });

  el("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = textInput.value;
    textInput.value = "";
    textInput.style.height = "auto";
    sendText(text);
    textInput.focus();
  });

  el("photo-input").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    const form = new FormData();
    form.append("user_id", String(userId));
    form.append("photo", file, file.name);
    const caption = textInput.value.trim();
    if (caption) { form.append("caption", caption); textInput.value = ""; }
    const response = await fetch("/_chat/photo", { method: "POST", body: form });
    if (!response.ok) showToast(await response.text(), true);
  });

  userInput.addEventListener("change", () => {
    userId = Number(userInput.value) || 1001;
    const url = new URL(window.location.href);
    url.searchParams.set("user_id", String(userId));
    window.history.replaceState(null, "", url);
    restart();
  });

  restart();
  textInput.focus();
})();
