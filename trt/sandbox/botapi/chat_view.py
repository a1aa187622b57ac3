"""A chat as the web page draws it: messages with text, entities, media links and buttons."""

from __future__ import annotations

from typing import Any

from trt.sandbox.botapi.chats import Chat, StoredMessage
from trt.sandbox.botapi.context import Context


def _media(message: StoredMessage) -> dict[str, Any] | None:
    kind = message.kind
    file_id = message.file_id
    if file_id is None:
        return None
    raw = message.data[kind]
    item = raw[-1] if isinstance(raw, list) else raw
    return {
        "kind": kind,
        "url": f"/_chat/files/{file_id}",
        "file_name": item.get("file_name"),
        "mime_type": item.get("mime_type"),
        "width": item.get("width"),
        "height": item.get("height"),
        "file_size": item.get("file_size"),
    }


def _service(message: StoredMessage) -> str | None:
    data = message.data
    for key, verb in (("successful_payment", "paid"), ("refunded_payment", "refunded")):
        payment = data.get(key)
        if isinstance(payment, dict):
            return f"{verb} {payment['total_amount']} {payment['currency']}"
    return None


def _is_paid(ctx: Context, message: StoredMessage) -> bool:
    return any(
        charge.invoice.chat_id == message.chat_id
        and charge.invoice.message_id == message.message_id
        for charge in ctx.payments.charges.values()
    )


def message_view(ctx: Context, message: StoredMessage) -> dict[str, Any]:
    data = message.data
    view: dict[str, Any] = {
        "id": message.message_id,
        "from_bot": message.from_bot,
        "date": data.get("date"),
        "kind": message.kind,
        "text": message.text,
        "entities": data.get("entities") or data.get("caption_entities") or [],
        "buttons": message.buttons,
        "edited": message.edited,
        "media": _media(message),
        "media_group_id": data.get("media_group_id"),
        "service": _service(message),
    }
    invoice = data.get("invoice")
    if isinstance(invoice, dict):
        view["invoice"] = {**invoice, "paid": _is_paid(ctx, message)}
    return view


def chat_view(ctx: Context, chat: Chat) -> dict[str, Any]:
    bot = ctx.profile.user
    return {
        "user": chat.user,
        "bot": {"first_name": bot.get("first_name"), "username": bot.get("username")},
        "blocked": chat.blocked,
        "reply_keyboard": chat.reply_keyboard,
        "messages": [message_view(ctx, m) for m in chat.messages if not m.deleted],
    }
