"""One normalised view of a KIE task, whatever family's record endpoint it came from.

A record is a snapshot: `results` lists the files ready now (a Suno task in its `first` stage
may already have one track), and only SUCCEEDED and FAILED are terminal.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Final
from urllib.parse import urlsplit


class TaskState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self in (TaskState.SUCCEEDED, TaskState.FAILED)


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ResultFile:
    url: str
    kind: MediaKind
    title: str | None = None


@dataclass(frozen=True, slots=True)
class TaskRecord:
    task_id: str
    state: TaskState
    raw_state: str
    results: tuple[ResultFile, ...] = ()
    fail_code: str | None = None
    fail_message: str | None = None
    credits_consumed: Decimal | None = None
    model: str | None = None
    # Text (chat) models answer with `resultObject` instead of files; kept as JSON text.
    result_text: str | None = None


_EXTENSIONS: Final[dict[str, MediaKind]] = {
    **dict.fromkeys(
        (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".heic", ".avif", ".tif", ".tiff"),
        MediaKind.IMAGE,
    ),
    **dict.fromkeys((".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v"), MediaKind.VIDEO),
    **dict.fromkeys(
        (".mp3", ".wav", ".ogg", ".oga", ".m4a", ".aac", ".flac", ".opus"), MediaKind.AUDIO
    ),
}


def guess_kind(url: str, default: MediaKind = MediaKind.OTHER) -> MediaKind:
    """The media kind from the URL path's extension, else `default`."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return default
    return _EXTENSIONS.get(PurePosixPath(path).suffix.lower(), default)
