"""What the job lifecycle needs from the chat side: user files in, progress notices out."""

from typing import Protocol

from trt.domain.jobs import FailReason, JobStatus


class MediaSource(Protocol):
    async def fetch(self, ref: str) -> bytes:
        """The bytes of a user's file (e.g. by Telegram file id); raises MediaUnavailable."""
        ...


class MediaUnavailable(Exception):
    """The user's file can no longer be fetched (expired, deleted, too large)."""


class JobNotifier(Protocol):
    """Tells the user how their job is doing, by editing its status message in place."""

    async def progress(
        self,
        *,
        chat_id: int,
        message_id: int | None,
        model_id: str,
        status: JobStatus,
        elapsed: float,
        language: str | None,
    ) -> None: ...

    async def succeeded(
        self,
        *,
        chat_id: int,
        message_id: int | None,
        model_id: str,
        elapsed: float,
        language: str | None,
    ) -> None: ...

    async def failed(
        self,
        *,
        chat_id: int,
        message_id: int | None,
        model_id: str,
        reason: FailReason,
        refunded: int,
        is_free: bool,
        language: str | None,
    ) -> None: ...
