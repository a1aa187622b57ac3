"""Stored files: every upload, URL fetch and user-sent file, addressable by ``file_id``.

The bytes are kept so the bot can download them through ``getFile`` and the web chat page can
show them. ``file_path`` is what ``getFile`` reports and what ``/file/bot<token>/<path>`` serves.
"""

from __future__ import annotations

import mimetypes
import secrets
from dataclasses import dataclass

# Real file ids start with a type-specific prefix; keeping it makes ids readable in logs.
FILE_ID_PREFIXES = {
    "photo": "AgAC",
    "video": "BAAC",
    "audio": "CQAC",
    "voice": "AwAC",
    "document": "BQAC",
    "animation": "CgAC",
}
FOLDERS = {
    "photo": "photos",
    "video": "videos",
    "audio": "music",
    "voice": "voice",
    "document": "documents",
    "animation": "animations",
}
DEFAULT_EXTENSIONS = {
    "photo": ".jpg",
    "video": ".mp4",
    "audio": ".mp3",
    "voice": ".oga",
    "document": "",
    "animation": ".mp4",
}


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    mime_type: str
    file_path: str
    file_name: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)


def guess_mime(file_name: str | None, fallback: str = "application/octet-stream") -> str:
    if file_name:
        guessed, _ = mimetypes.guess_type(file_name)
        if guessed:
            return guessed
    return fallback


class FileStore:
    """Files by ``file_id`` and by ``file_path``."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = 0

    def add(
        self,
        data: bytes,
        *,
        kind: str,
        mime_type: str | None = None,
        file_name: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        self._counter += 1
        extension = _extension(kind, file_name, mime_type)
        stored = StoredFile(
            file_id=f"{FILE_ID_PREFIXES.get(kind, 'BQAC')}{secrets.token_urlsafe(30)}",
            file_unique_id=f"AQAD{secrets.token_urlsafe(9)}",
            kind=kind,
            data=data,
            mime_type=mime_type or guess_mime(file_name),
            file_path=f"{FOLDERS.get(kind, 'documents')}/file_{self._counter}{extension}",
            file_name=file_name,
            width=width,
            height=height,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def all(self) -> list[StoredFile]:
        return list(self._by_id.values())


def _extension(kind: str, file_name: str | None, mime_type: str | None) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1].lower()
    if mime_type:
        guessed = mimetypes.guess_extension(mime_type)
        if guessed:
            return guessed
    return DEFAULT_EXTENSIONS.get(kind, "")
