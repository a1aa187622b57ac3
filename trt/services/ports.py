"""What the services need from outside, as Protocols; adapters live in bot/, web/, app.py.

The services speak to users only through `Messenger`, in business terms (a result, a notice);
the adapter picks the transport, the method and the words. Its failures form one small tree:

    MessengerError
    ├── RecipientUnavailable       the user blocked the bot or the chat is gone: final
    ├── MessageRejected            Telegram refused the message itself (400): final, not the user
    └── DeliveryTemporarilyFailed  network, 5xx, 429 beyond the wait budget: try again later
        └── ResultFileUnavailable  the provider no longer serves a result file (expired)

Anything else an adapter raises is a bug, handled at the calling loop's boundary.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from trt.domain.jobs import FailReason, JobStatus


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ResultFileKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ResultFileRef:
    """One file of a job's result, where the provider serves it."""

    url: str
    kind: ResultFileKind
    title: str | None = None  # a track's name (Suno), shown with the file


class MessengerError(Exception):
    """A message could not reach the user."""


class RecipientUnavailable(MessengerError):
    """The user blocked the bot or the chat does not exist: never retried."""


class MessageRejected(MessengerError):
    """Telegram refused the message itself (e.g. a bad file id): another try fails the same
    way, and the user is not to blame."""


class DeliveryTemporarilyFailed(MessengerError):
    """Worth another try later; `retry_after` (seconds) is the earliest sensible moment."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ResultFileUnavailable(DeliveryTemporarilyFailed):
    """The provider refused a result file (403/404/410: its link expired or is gone).

    A delivery retries it like any temporary failure (a provider hiccup looks the same); a
    re-send from the history tells the user the file is no longer available.
    """


# Called after each message that carries result files reached the chat, with those messages'
# ids (one per file, in file order); raising from it stops the delivery.
SentCallback = Callable[[Sequence[int]], Awaitable[None]]


class Messenger(Protocol):
    async def deliver_result(
        self,
        *,
        chat_id: int,
        model_id: str,
        files: Sequence[ResultFileRef],
        language: str | None,
        on_sent: SentCallback | None = None,
    ) -> list[int]:
        """Send the files to the chat, one message per file, in order; return the message ids.

        Raises RecipientUnavailable or DeliveryTemporarilyFailed; before raising, every file
        already in the chat has been reported through `on_sent`.
        """
        ...


class ResultActions(Protocol):
    async def offer_actions(self, *, chat_id: int, job_id: int, language: str | None) -> None:
        """Under a delivered result: what the user can do next with that job.

        Raises RecipientUnavailable or DeliveryTemporarilyFailed (never retried: the history
        offers the same actions).
        """
        ...


# What the job lifecycle needs from the chat side: user files in, progress notices out.
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
