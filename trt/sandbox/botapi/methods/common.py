"""Pieces shared by the sending and editing methods: text, captions, keyboards, replies."""

from __future__ import annotations

import copy
from typing import Any

from trt.sandbox.botapi.chats import Chat, StoredMessage
from trt.sandbox.botapi.context import Context
from trt.sandbox.botapi.errors import bad_request
from trt.sandbox.botapi.formatting import parse_text, utf16_length
from trt.sandbox.botapi.params import Params

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def message_text(p: Params) -> dict[str, Any]:
    raw = p.text("text") or ""
    text, entities = parse_text(raw, p.text("parse_mode"), p.json_value("entities"))
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_length(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return content


def caption_of(p: Params, source: dict[str, Any] | None = None) -> dict[str, Any]:
    """``caption`` and ``caption_entities`` from the call, or from one media-group item."""
    values = source if source is not None else p.values
    raw = values.get("caption")
    if raw in (None, ""):
        return {}
    entities = values.get("caption_entities")
    caption, parsed = parse_text(str(raw), values.get("parse_mode"), entities)
    if utf16_length(caption) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    content: dict[str, Any] = {"caption": caption}
    if parsed:
        content["caption_entities"] = parsed
    return content


def inline_markup(markup: Any) -> dict[str, Any] | None:
    """A validated inline keyboard, or ``None`` for no inline keyboard."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for row in rows:
        for button in row:
            _check_button(button)
    return {"inline_keyboard": rows}


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not str(button.get("text", "")).strip():
        raise bad_request("text buttons are unallowed in the inline keyboard")
    actions = [key for key in BUTTON_ACTIONS if key in button]
    if len(actions) != 1:
        raise bad_request("can't parse inline keyboard button: exactly one action is required")
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def apply_reply_markup(chat: Chat, p: Params) -> dict[str, Any] | None:
    """Keep a reply keyboard on the chat; return the inline keyboard for the message."""
    markup = p.json_value("reply_markup")
    if markup in (None, ""):
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "keyboard" in markup:
        chat.reply_keyboard = markup
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    return inline_markup(markup)


def _reply_to(ctx: Context, chat: Chat, p: Params) -> dict[str, Any] | None:
    parameters = p.json_value("reply_parameters")
    reply_id: Any = p.integer("reply_to_message_id")
    allow_missing = p.flag("allow_sending_without_reply")
    if isinstance(parameters, dict):
        reply_id = parameters.get("message_id")
        allow_missing = bool(parameters.get("allow_sending_without_reply"))
    if reply_id is None:
        return None
    target = ctx.chats.find(chat, int(reply_id))
    if target is None:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return copy.deepcopy(target.data)


def send_bot_message(ctx: Context, chat: Chat, p: Params, content: dict[str, Any]) -> StoredMessage:
    """Add a bot message to the chat, with the call's keyboard and reply target."""
    full: dict[str, Any] = {"from": ctx.bot_user}
    reply = _reply_to(ctx, chat, p)
    if reply is not None:
        full["reply_to_message"] = reply
    full.update(content)
    markup = apply_reply_markup(chat, p)
    if markup is not None:
        full["reply_markup"] = markup
    if p.flag("protect_content"):
        full["has_protected_content"] = True
    return ctx.chats.add(chat, full, from_bot=True)


def snapshot(message: StoredMessage) -> dict[str, Any]:
    return copy.deepcopy(message.data)
