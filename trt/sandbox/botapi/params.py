"""Decoding of Bot API call parameters from the query string, JSON, form or multipart body.

aiogram sends every call as a form (multipart when files are attached): nested objects arrive
as JSON strings, booleans as ``"true"``/``"false"``, falsy values are omitted, and each file is
a part under a random key referenced as ``attach://<key>``. Strings that look like JSON are
decoded, except in free-text fields, where a user's ``[1, 2]`` must stay text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from trt.sandbox.botapi.errors import bad_request, entity_too_large

FREE_TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "title",
        "description",
        "short_description",
        "payload",
        "error_message",
        "start_parameter",
        "secret_token",
        "url",
        "query",
        "name",
        "file_name",
        "performer",
        "question",
        "explanation",
        "emoji",
        "photo_url",
        "callback_query_id",
        "pre_checkout_query_id",
        "telegram_payment_charge_id",
    }
)
ATTACH_PREFIX = "attach://"


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in FREE_TEXT_FIELDS:
        return value
    stripped = value.strip()
    if stripped[:1] in ("[", "{"):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


class Params:
    """Typed access to one call's parameters; a wrong or missing value is a 400."""

    def __init__(self, values: Mapping[str, Any], uploads: Mapping[str, Upload]) -> None:
        self.values = {key: decode_value(key, value) for key, value in values.items()}
        self.uploads = dict(uploads)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            raise bad_request(f'field "{name}" must be a string')
        return str(value)

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        return value

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be an integer') from None

    def required_integer(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in ("true", "1")

    def json_value(self, name: str) -> Any:
        return self.values.get(name)

    def resolve_file(self, value: Any) -> Upload | str | None:
        """An ``attach://`` reference or a direct part becomes the upload; else the string."""
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise bad_request("wrong file identifier/HTTP URL specified")
        if value.startswith(ATTACH_PREFIX):
            upload = self.uploads.get(value[len(ATTACH_PREFIX) :])
            if upload is None:
                raise bad_request(f"file {value} not found in the request")
            return upload
        return value

    def file_field(self, name: str) -> Upload | str | None:
        if name in self.uploads and name not in self.values:
            return self.uploads[name]
        return self.resolve_file(self.values.get(name))


async def read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    try:
        await _read_body(request, values, uploads)
    except web.HTTPRequestEntityTooLarge:
        raise entity_too_large(reason="request body over the server's maximum") from None
    return Params(values, uploads)


async def _read_body(
    request: web.Request, values: dict[str, Any], uploads: dict[str, Upload]
) -> None:
    if request.content_type == "application/json" and request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        values.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = Upload(
                    field=key,
                    filename=value.filename or key,
                    content_type=value.content_type,
                    data=value.file.read(),
                )
            else:
                values[key] = value
