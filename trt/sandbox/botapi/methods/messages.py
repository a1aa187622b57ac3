"""Text messages: send, edit, delete, callback answers and chat actions."""

from __future__ import annotations

import copy
from typing import Any

from trt.sandbox.botapi.chats import MEDIA_KINDS, StoredMessage
from trt.sandbox.botapi.context import Context, Handler
from trt.sandbox.botapi.errors import NOT_MODIFIED, bad_request
from trt.sandbox.botapi.methods.common import (
    caption_of,
    inline_markup,
    message_text,
    send_bot_message,
    snapshot,
)
from trt.sandbox.botapi.params import Params

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
CALLBACK_TEXT_LIMIT = 200


async def send_message(ctx: Context, p: Params) -> dict[str, Any]:
    chat = ctx.chats.target(p.values.get("chat_id"))
    return snapshot(send_bot_message(ctx, chat, p, message_text(p)))


def editable_message(ctx: Context, p: Params) -> StoredMessage:
    if p.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID", reason="inline messages are not emulated")
    chat = ctx.chats.target(p.values.get("chat_id"))
    message = ctx.chats.find(chat, p.required_integer("message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def commit_edit(
    ctx: Context,
    message: StoredMessage,
    changes: dict[str, Any],
    *,
    remove: tuple[str, ...],
    markup: dict[str, Any] | None,
) -> dict[str, Any]:
    """Apply an edit; an edit that changes nothing is Telegram's "not modified" 400."""
    new = copy.deepcopy(message.data)
    for key in (*remove, "reply_markup"):
        new.pop(key, None)
    new.update(changes)
    if markup is not None:
        new["reply_markup"] = markup
    old_visible = {k: v for k, v in message.data.items() if k != "edit_date"}
    if {k: v for k, v in new.items() if k != "edit_date"} == old_visible:
        raise bad_request(NOT_MODIFIED)
    new["edit_date"] = int(ctx.clock())
    ctx.chats.replace(message, new)
    return snapshot(message)


async def edit_message_text(ctx: Context, p: Params) -> dict[str, Any]:
    message = editable_message(ctx, p)
    if "text" not in message.data:
        raise bad_request("there is no text in the message to edit")
    return commit_edit(
        ctx,
        message,
        message_text(p),
        remove=("text", "entities"),
        markup=inline_markup(p.json_value("reply_markup")),
    )


async def edit_message_caption(ctx: Context, p: Params) -> dict[str, Any]:
    message = editable_message(ctx, p)
    if message.kind not in MEDIA_KINDS:
        raise bad_request("there is no caption in the message to edit")
    return commit_edit(
        ctx,
        message,
        caption_of(p),
        remove=("caption", "caption_entities"),
        markup=inline_markup(p.json_value("reply_markup")),
    )


async def edit_message_reply_markup(ctx: Context, p: Params) -> dict[str, Any]:
    message = editable_message(ctx, p)
    markup = inline_markup(p.json_value("reply_markup"))
    return commit_edit(ctx, message, {}, remove=(), markup=markup)


async def delete_message(ctx: Context, p: Params) -> bool:
    chat = ctx.chats.target(p.values.get("chat_id"))
    message = ctx.chats.find(chat, p.required_integer("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    ctx.chats.delete(message)
    return True


async def delete_messages(ctx: Context, p: Params) -> bool:
    chat = ctx.chats.target(p.values.get("chat_id"))
    ids = p.json_value("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must be a list of 1-100 ids")
    for message_id in ids:
        message = ctx.chats.find(chat, int(message_id))
        if message is not None:
            ctx.chats.delete(message)
    return True


async def answer_callback_query(ctx: Context, p: Params) -> bool:
    query_id = p.required_text("callback_query_id")
    text = p.text("text")
    if text is not None and len(text) > CALLBACK_TEXT_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    answer = {
        "text": text,
        "show_alert": p.flag("show_alert"),
        "url": p.text("url"),
        "cache_time": p.integer("cache_time") or 0,
    }
    ctx.queries.answer("callback_query", query_id, answer)
    return True


async def send_chat_action(ctx: Context, p: Params) -> bool:
    chat = ctx.chats.target(p.values.get("chat_id"))
    action = p.required_text("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.last_action = action
    ctx.chats.touch()
    return True


HANDLERS: dict[str, Handler] = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "answerCallbackQuery": answer_callback_query,
    "sendChatAction": send_chat_action,
}
