"""Readers for loosely typed KIE JSON.

KIE's documented shapes disagree with each other (numbers vs strings, objects vs JSON-encoded
strings, `msg` vs `message`), so every read goes through these functions. None of them raises:
a value of the wrong type reads as None (or empty), and the caller decides what that means.
"""

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Final

MAX_EMBEDDED_JSON: Final = 1 << 20  # chars; bounds the work spent on a JSON-in-a-string field


def decode_json(raw: str | bytes) -> object | None:
    """json.loads that returns None for invalid, truncated or absurdly nested text."""
    try:
        decoded: object = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return decoded


def as_mapping(value: object) -> Mapping[str, object]:
    """A JSON object as a mapping, an object encoded as a JSON string too; else empty."""
    if type(value) is dict or isinstance(value, Mapping):  # the dict check skips the ABC's
        return value
    if (
        isinstance(value, str)
        and value.lstrip().startswith("{")
        and len(value) <= MAX_EMBEDDED_JSON
    ):
        decoded = decode_json(value)
        if isinstance(decoded, Mapping):
            return decoded
    return {}


def as_list(value: object) -> list[object]:
    """A JSON array as a list, an array encoded as a JSON string too; else empty."""
    if isinstance(value, list):
        return value
    if (
        isinstance(value, str)
        and value.lstrip().startswith("[")
        and len(value) <= MAX_EMBEDDED_JSON
    ):
        decoded = decode_json(value)
        if isinstance(decoded, list):
            return decoded
    return []


def as_text(value: object) -> str | None:
    """A non-empty string (stripped), or an integer written as one; else None."""
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def as_int(value: object) -> int | None:
    """An integer, or a string of decimal digits; else None (booleans are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lstrip("-").isdigit() and len(stripped) <= 18:
            return int(stripped)
    return None


def as_decimal(value: object, *, signed: bool = False) -> Decimal | None:
    """A finite number (or numeric string) as a Decimal, non-negative unless `signed`; else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, str) and len(value) > 40:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or (number < 0 and not signed):
        return None
    return number


def first_text(source: Mapping[str, object], *keys: str) -> str | None:
    """The first key of `keys` whose value reads as text."""
    for key in keys:
        text = as_text(source.get(key))
        if text is not None:
            return text
    return None
