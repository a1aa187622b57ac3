"""Turning a bot's file argument (upload, HTTP URL or ``file_id``) into a stored file.

Limits are the cloud Bot API's: uploads up to 10 MB for photos and 50 MB for other files
(413 above), URLs up to 5 MB for photos and 20 MB for other files, ``getFile`` up to 20 MB.
By URL, ``sendDocument`` takes only GIF, PDF and ZIP and ``sendVoice`` only OGG up to 1 MB.
"""

from __future__ import annotations

from typing import Any

from trt.sandbox.botapi.context import Context
from trt.sandbox.botapi.errors import WRONG_FILE, bad_request, entity_too_large
from trt.sandbox.botapi.files import StoredFile, guess_mime
from trt.sandbox.botapi.imaging import image_info, video_info
from trt.sandbox.botapi.params import Upload

MB = 1024 * 1024
UPLOAD_LIMITS = {"photo": 10 * MB}
UPLOAD_LIMIT = 50 * MB
URL_LIMITS = {"photo": 5 * MB, "voice": 1 * MB}
URL_LIMIT = 20 * MB
DOWNLOAD_LIMIT = 20 * MB
DOCUMENT_URL_TYPES = frozenset({"image/gif", "application/pdf", "application/zip"})
GENERIC_TYPES = frozenset({"", "application/octet-stream"})


async def resolve_media(ctx: Context, value: Upload | str | None, kind: str) -> StoredFile:
    if value is None:
        raise bad_request(f"there is no {kind} in the request")
    if isinstance(value, Upload):
        limit = UPLOAD_LIMITS.get(kind, UPLOAD_LIMIT)
        if value.size > limit:
            raise entity_too_large(reason=f"{kind} upload of {value.size} bytes over {limit}")
        return store_media(ctx, kind, value.data, value.content_type, value.filename)
    if value.startswith(("http://", "https://")):
        fetched = await ctx.fetcher.fetch(value, limit=URL_LIMITS.get(kind, URL_LIMIT))
        _check_url_type(kind, fetched.content_type)
        return store_media(ctx, kind, fetched.data, fetched.content_type, fetched.file_name)
    stored = ctx.files.get(value)
    if stored is None:
        raise bad_request(WRONG_FILE, reason=f"unknown file_id {value[:40]}")
    if kind == "photo" and stored.kind != "photo":
        raise bad_request(f"can't use file of type {stored.kind.title()} as Photo")
    return stored


def _check_url_type(kind: str, content_type: str) -> None:
    if kind == "document" and content_type not in DOCUMENT_URL_TYPES:
        raise bad_request("wrong type of the web page content", reason=content_type)
    if kind == "voice" and content_type != "audio/ogg":
        raise bad_request("wrong type of the web page content", reason=content_type)


def store_media(
    ctx: Context, kind: str, data: bytes, content_type: str, file_name: str | None
) -> StoredFile:
    mime = content_type if content_type not in GENERIC_TYPES else guess_mime(file_name)
    if kind == "photo":
        info = image_info(data)
        if info is None:
            raise bad_request("IMAGE_PROCESS_FAILED", reason="not a PNG, JPEG, GIF or WebP")
        ratio = max(info.width, info.height) / max(1, min(info.width, info.height))
        if info.width + info.height > 10000 or ratio > 20:
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        return ctx.files.add(
            data, kind=kind, mime_type=info.mime_type, width=info.width, height=info.height
        )
    width = height = None
    if kind in ("video", "animation"):
        dims = image_info(data) or video_info(data)
        if dims is not None:
            width, height = dims.width, dims.height
    return ctx.files.add(
        data, kind=kind, mime_type=mime, file_name=file_name, width=width, height=height
    )


def media_json(stored: StoredFile, kind: str, values: dict[str, Any]) -> Any:
    """The Bot API object for a file sent as ``kind`` (a list of sizes for a photo)."""
    base: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if kind == "photo":
        return [{**base, "width": stored.width or 0, "height": stored.height or 0}]
    if kind in ("video", "animation"):
        info = video_info(stored.data)
        base["width"] = _int(values.get("width"), stored.width)
        base["height"] = _int(values.get("height"), stored.height)
        base["duration"] = _int(values.get("duration"), info.duration if info else 0)
    if kind in ("audio", "voice"):
        base["duration"] = _int(values.get("duration"), 0)
    if kind == "audio":
        for key in ("performer", "title"):
            if values.get(key):
                base[key] = str(values[key])
    if kind in ("document", "audio", "video", "animation") and stored.file_name:
        base["file_name"] = stored.file_name
    base["mime_type"] = stored.mime_type
    return base


def _int(value: Any, fallback: int | None) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return fallback or 0


def file_json(stored: StoredFile) -> dict[str, Any]:
    if stored.size > DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }
