"""Media messages: photos, videos, audio, voice, documents, animations, albums, files."""

from __future__ import annotations

import secrets
from typing import Any

from trt.sandbox.botapi.chats import MEDIA_KINDS
from trt.sandbox.botapi.context import Context, Handler
from trt.sandbox.botapi.errors import bad_request
from trt.sandbox.botapi.files import StoredFile
from trt.sandbox.botapi.media import file_json, media_json, resolve_media
from trt.sandbox.botapi.methods.common import caption_of, inline_markup, send_bot_message, snapshot
from trt.sandbox.botapi.methods.messages import commit_edit, editable_message
from trt.sandbox.botapi.params import Params

SENDABLE = ("photo", "video", "audio", "voice", "document", "animation")
VISUAL = frozenset({"photo", "video"})
ALBUM_MIN, ALBUM_MAX = 2, 10


def media_sender(kind: str) -> Handler:
    async def send(ctx: Context, p: Params) -> dict[str, Any]:
        chat = ctx.chats.target(p.values.get("chat_id"))
        caption = caption_of(p)
        stored = await resolve_media(ctx, p.file_field(kind), kind)
        content: dict[str, Any] = {kind: media_json(stored, kind, p.values), **caption}
        if p.flag("has_spoiler"):
            content["has_media_spoiler"] = True
        return snapshot(send_bot_message(ctx, chat, p, content))

    send.__name__ = f"send_{kind}"
    return send


def _album_kinds(items: Any) -> list[str]:
    if not isinstance(items, list) or len(items) < ALBUM_MIN:
        raise bad_request("MEDIA_GROUP_INVALID", reason="an album needs 2-10 items")
    if len(items) > ALBUM_MAX:
        raise bad_request("too many messages to send as an album")
    kinds = [str(item.get("type")) if isinstance(item, dict) else "" for item in items]
    if any(kind not in SENDABLE for kind in kinds):
        raise bad_request("MEDIA_GROUP_INVALID", reason="unsupported item type")
    if not (set(kinds) <= VISUAL or set(kinds) in ({"document"}, {"audio"})):
        raise bad_request("MEDIA_GROUP_INVALID", reason="documents and audio group alone")
    return kinds


async def send_media_group(ctx: Context, p: Params) -> list[dict[str, Any]]:
    chat = ctx.chats.target(p.values.get("chat_id"))
    items = p.json_value("media")
    kinds = _album_kinds(items)
    resolved: list[tuple[str, StoredFile, dict[str, Any]]] = []
    for kind, item in zip(kinds, items, strict=True):
        caption = caption_of(p, item)
        stored = await resolve_media(ctx, p.resolve_file(item.get("media")), kind)
        resolved.append((kind, stored, {kind: media_json(stored, kind, item), **caption}))
    group_id = str(secrets.randbelow(10**18) + 10**17)
    sent = []
    for _kind, _stored, content in resolved:
        content["media_group_id"] = group_id
        sent.append(snapshot(send_bot_message(ctx, chat, p, content)))
    return sent


async def edit_message_media(ctx: Context, p: Params) -> dict[str, Any]:
    message = editable_message(ctx, p)
    if message.kind not in MEDIA_KINDS:
        raise bad_request("there is no media in the message to edit")
    item = p.json_value("media")
    if not isinstance(item, dict) or item.get("type") not in SENDABLE:
        raise bad_request("can't parse InputMedia JSON object")
    kind = str(item["type"])
    caption = caption_of(p, item)
    stored = await resolve_media(ctx, p.resolve_file(item.get("media")), kind)
    return commit_edit(
        ctx,
        message,
        {kind: media_json(stored, kind, item), **caption},
        remove=(*MEDIA_KINDS, "caption", "caption_entities", "has_media_spoiler"),
        markup=inline_markup(p.json_value("reply_markup")),
    )


async def get_file(ctx: Context, p: Params) -> dict[str, Any]:
    stored = ctx.files.get(p.required_text("file_id"))
    if stored is None:
        raise bad_request("invalid file_id")
    return file_json(stored)


HANDLERS: dict[str, Handler] = {
    **{f"send{kind.title()}": media_sender(kind) for kind in SENDABLE},
    "sendMediaGroup": send_media_group,
    "editMessageMedia": edit_message_media,
    "getFile": get_file,
}
