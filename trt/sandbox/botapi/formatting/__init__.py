"""Turning ``parse_mode`` markup into plain text plus entities, as Telegram does.

Telegram rejects malformed markup with ``400 Bad Request: can't parse entities: …``; the
emulator does the same so that unescaped user text in an HTML or MarkdownV2 message fails in
tests, not in production. Offsets and lengths are in UTF-16 code units.
"""

from __future__ import annotations

from typing import Any

from trt.sandbox.botapi.errors import bad_request
from trt.sandbox.botapi.formatting.html import parse_html
from trt.sandbox.botapi.formatting.markdown import parse_markdown, parse_markdown_v2
from trt.sandbox.botapi.formatting.text import EntityError

__all__ = ["parse_text", "utf16_length"]


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_text(
    text: str, parse_mode: str | None, entities: Any
) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and its entities; explicit ``entities`` win over ``parse_mode``."""
    if isinstance(entities, list) and entities:
        return text, [entity for entity in entities if isinstance(entity, dict)]
    mode = (parse_mode or "").lower()
    try:
        if mode == "html":
            return parse_html(text)
        if mode == "markdownv2":
            return parse_markdown_v2(text)
        if mode == "markdown":
            return parse_markdown(text)
    except EntityError as error:
        raise bad_request(f"can't parse entities: {error}") from None
    if mode:
        raise bad_request(f'unsupported parse_mode "{parse_mode}"')
    return text, []
