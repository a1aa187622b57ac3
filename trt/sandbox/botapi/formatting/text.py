"""Shared pieces of the markup parsers: an output buffer that counts UTF-16 offsets."""

from __future__ import annotations

from typing import Any


class EntityError(ValueError):
    """Malformed markup; the message follows Telegram's wording."""


class EntityBuffer:
    """Accumulates plain text and the entities opened and closed over it."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []

    def write(self, text: str) -> None:
        self._parts.append(text)
        self.offset += len(text.encode("utf-16-le")) // 2

    def close(self, kind: str, start: int, **extra: Any) -> None:
        if self.offset > start:
            entity: dict[str, Any] = {"type": kind, "offset": start, "length": self.offset - start}
            entity.update({key: value for key, value in extra.items() if value})
            self.entities.append(entity)

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self._parts), self.entities


def byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))
