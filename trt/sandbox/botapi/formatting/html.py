"""Telegram's HTML parse mode: a fixed set of tags, four named entities, strict nesting."""

from __future__ import annotations

import re
from typing import Any

from trt.sandbox.botapi.formatting.text import EntityBuffer, EntityError, byte_offset

TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))|([\w-]+)""")
ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")


class _Open:
    def __init__(self, name: str, start: int, attrs: dict[str, str]) -> None:
        self.name = name
        self.start = start
        self.attrs = attrs
        self.language: str | None = None


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    buffer = EntityBuffer()
    stack: list[_Open] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char == "<":
            end = source.find(">", index)
            if end < 0:
                offset = byte_offset(source, index)
                raise EntityError(f"Can't find end of the tag at byte offset {offset}")
            _tag(source[index + 1 : end], byte_offset(source, index), buffer, stack)
            index = end + 1
        elif char == "&":
            index = _entity(source, index, buffer)
        else:
            stop = _next_special(source, index)
            buffer.write(source[index:stop])
            index = stop
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return buffer.result()


def _next_special(source: str, index: int) -> int:
    stops = [pos for pos in (source.find("<", index), source.find("&", index)) if pos >= 0]
    return min(stops) if stops else len(source)


def _entity(source: str, index: int, buffer: EntityBuffer) -> int:
    match = ENTITY.match(source, index)
    if match is None:
        buffer.write("&")
        return index + 1
    body = match.group(1)
    if body.startswith("#x"):
        buffer.write(chr(int(body[2:], 16)))
    elif body.startswith("#"):
        buffer.write(chr(int(body[1:])))
    elif body in NAMED_ENTITIES:
        buffer.write(NAMED_ENTITIES[body])
    else:
        buffer.write(match.group(0))
    return match.end()


def _tag(body: str, offset: int, buffer: EntityBuffer, stack: list[_Open]) -> None:
    if body.startswith("/"):
        name = body[1:].strip().lower()
        if not stack or stack[-1].name != name:
            expected = f'"{stack[-1].name}"' if stack else "nothing"
            raise EntityError(
                f'Unmatched end tag at byte offset {offset}, expected {expected}, found "{name}"'
            )
        _close(stack.pop(), buffer, stack)
        return
    name, _, rest = body.strip().partition(" ")
    name = name.lower().rstrip("/")
    if name not in TAG_ENTITIES:
        raise EntityError(f'Unsupported start tag "{name}" at byte offset {offset}')
    attrs = {
        match.group(1) or match.group(5): match.group(2) or match.group(3) or match.group(4) or ""
        for match in ATTRIBUTE.finditer(rest)
    }
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "code" and stack and stack[-1].name == "pre" and "class" in attrs:
        stack[-1].language = attrs["class"].removeprefix("language-")
    stack.append(_Open(name, buffer.offset, attrs))


def _close(tag: _Open, buffer: EntityBuffer, stack: list[_Open]) -> None:
    kind = TAG_ENTITIES[tag.name]
    if tag.name == "code" and stack and stack[-1].name == "pre":
        return
    if kind == "text_link":
        buffer.close(kind, tag.start, url=tag.attrs.get("href", ""))
    elif kind == "pre":
        buffer.close(kind, tag.start, language=tag.language)
    elif kind == "blockquote" and "expandable" in tag.attrs:
        buffer.close("expandable_blockquote", tag.start)
    elif kind == "custom_emoji":
        buffer.close(kind, tag.start, custom_emoji_id=tag.attrs.get("emoji-id", ""))
    else:
        buffer.close(kind, tag.start)
