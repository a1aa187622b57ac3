"""Telegram's MarkdownV2 and legacy Markdown parse modes.

MarkdownV2 demands that every reserved character outside an entity marker be escaped with a
backslash; forgetting to escape a ``.`` or ``!`` in user-provided text is the classic failure.
"""

from __future__ import annotations

from typing import Any

from trt.sandbox.botapi.formatting.text import EntityBuffer, EntityError, byte_offset

RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
V2_MARKERS = {"__": "underline", "||": "spoiler", "*": "bold", "_": "italic", "~": "strikethrough"}
LEGACY_MARKERS = {"*": "bold", "_": "italic"}
ENTITY_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "spoiler": "Spoiler",
    "strikethrough": "Strikethrough",
    "text_link": "TextUrl",
}


class _V2Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.index = 0
        self.buffer = EntityBuffer()
        self.stack: list[tuple[str, int, int]] = []  # marker, text offset, source index
        self.quote_start: int | None = None

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        while self.index < len(self.source):
            self._step()
        self._end_quote()
        if self.stack:
            marker, _, index = self.stack[-1]
            name = ENTITY_NAMES.get(V2_MARKERS.get(marker, "text_link"), "TextUrl")
            offset = byte_offset(self.source, index)
            raise EntityError(f"Can't find end of {name} entity at byte offset {offset}")
        return self.buffer.result()

    def _step(self) -> None:
        source, index = self.source, self.index
        char = source[index]
        at_line_start = index == 0 or source[index - 1] == "\n"
        if char == "\\":
            if index + 1 >= len(source) or not 0 < ord(source[index + 1]) < 127:
                raise self._reserved(char)
            self.buffer.write(source[index + 1])
            self.index += 2
        elif source.startswith("```", index):
            self.index = _fenced(source, index, self.buffer)
        elif char == "`":
            self.index = _inline_code(source, index, self.buffer)
        elif char == ">" and at_line_start:
            if self.quote_start is None:
                self.quote_start = self.buffer.offset
            self.index += 1
        elif char == "\n":
            if self.quote_start is not None and not source.startswith(">", index + 1):
                self._end_quote()
            self.buffer.write(char)
            self.index += 1
        else:
            self._inline(char)

    def _inline(self, char: str) -> None:
        source, index = self.source, self.index
        marker = next((m for m in V2_MARKERS if source.startswith(m, index)), None)
        if marker is not None:
            self._toggle(marker)
            self.index += len(marker)
        elif char == "[":
            self.stack.append(("[", self.buffer.offset, index))
            self.index += 1
        elif char == "]" and any(entry[0] == "[" for entry in self.stack):
            self._link()
        elif char in RESERVED:
            raise self._reserved(char)
        else:
            self.buffer.write(char)
            self.index += 1

    def _toggle(self, marker: str) -> None:
        for position in range(len(self.stack) - 1, -1, -1):
            if self.stack[position][0] == marker:
                _, start, _ = self.stack.pop(position)
                self.buffer.close(V2_MARKERS[marker], start)
                return
        self.stack.append((marker, self.buffer.offset, self.index))

    def _link(self) -> None:
        source = self.source
        if not source.startswith("(", self.index + 1):
            raise self._reserved("]")
        url, end = _until(source, self.index + 2, ")")
        while self.stack[-1][0] != "[":
            self.stack.pop()
        _, start, _ = self.stack.pop()
        self.buffer.close("text_link", start, url=url)
        self.index = end + 1

    def _end_quote(self) -> None:
        if self.quote_start is not None:
            self.buffer.close("blockquote", self.quote_start)
            self.quote_start = None

    def _reserved(self, char: str) -> EntityError:
        return EntityError(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )


def _until(source: str, index: int, closing: str) -> tuple[str, int]:
    """Text up to an unescaped ``closing`` and that closing's index."""
    parts: list[str] = []
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source):
            parts.append(source[index + 1])
            index += 2
            continue
        if source.startswith(closing, index):
            return "".join(parts), index
        parts.append(char)
        index += 1
    raise EntityError(f"Can't find end of the entity starting at byte offset {index}")


def _inline_code(source: str, index: int, buffer: EntityBuffer) -> int:
    code, end = _until(source, index + 1, "`")
    start = buffer.offset
    buffer.write(code)
    buffer.close("code", start)
    return end + 1


def _fenced(source: str, index: int, buffer: EntityBuffer) -> int:
    body, end = _until(source, index + 3, "```")
    language = ""
    first_line, newline, rest = body.partition("\n")
    if newline and first_line and " " not in first_line:
        language, body = first_line, rest
    start = buffer.offset
    buffer.write(body)
    buffer.close("pre", start, language=language)
    return end + 3


def parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    return _V2Parser(source).run()


def parse_markdown(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: ``*bold*``, ``_italic_``, code, pre and links; no nesting."""
    buffer = EntityBuffer()
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source) and source[index + 1] in "_*`[":
            buffer.write(source[index + 1])
            index += 2
        elif source.startswith("```", index):
            index = _fenced(source, index, buffer)
        elif char == "`":
            index = _inline_code(source, index, buffer)
        elif char in LEGACY_MARKERS:
            text, end = _until(source, index + 1, char)
            start = buffer.offset
            buffer.write(text)
            buffer.close(LEGACY_MARKERS[char], start)
            index = end + 1
        elif char == "[" and "](" in source[index:]:
            text, end = _until(source, index + 1, "](")
            url, close = _until(source, end + 2, ")")
            start = buffer.offset
            buffer.write(text)
            buffer.close("text_link", start, url=url)
            index = close + 1
        else:
            buffer.write(char)
            index += 1
    return buffer.result()
