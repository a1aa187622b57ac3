"""Broadcasts: an admin's message to every active, non-banned user, sent by a worker through
the rate-limited sender, resumable after a restart.

Each recipient row is claimed with a lease and marked right after its send, so a restart
continues where the last one stopped; only a crash between a send and its mark can repeat
that one message (after the lease runs out). A user who blocked the bot is marked inactive.
The admin sees one progress message, edited every few seconds, and a final report.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import structlog

from trt.services.ports import Clock, DeliveryTemporarilyFailed, RecipientUnavailable
from trt.storage import admin, broadcasts
from trt.storage.broadcasts import Broadcast, RecipientStatus
from trt.storage.database import Database

log = structlog.get_logger(__name__)

BATCH = 25
IDLE_SLEEP = 1.0
PROGRESS_EVERY = 3.0  # seconds between edits of the progress message
LEASE = timedelta(minutes=2)


class BroadcastSender(Protocol):
    async def send(self, *, chat_id: int, text: str | None, photo_file_id: str | None) -> None:
        """One broadcast message. Raises RecipientUnavailable or DeliveryTemporarilyFailed."""
        ...


@dataclass(frozen=True, slots=True)
class Progress:
    broadcast_id: int
    total: int
    sent: int
    blocked: int
    failed: int

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed


class BroadcastReporter(Protocol):
    async def progress(self, broadcast: Broadcast, progress: Progress) -> int | None:
        """Show or update the admin's progress message; return its id (None if not shown)."""
        ...

    async def finished(self, broadcast: Broadcast, progress: Progress) -> None: ...


def _progress(broadcast: Broadcast, counts: dict[RecipientStatus, int]) -> Progress:
    return Progress(
        broadcast_id=broadcast.id,
        total=broadcast.total,
        sent=counts[RecipientStatus.SENT],
        blocked=counts[RecipientStatus.BLOCKED],
        failed=counts[RecipientStatus.FAILED],
    )


class Broadcasts:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        sender: BroadcastSender,
        reporter: BroadcastReporter,
        progress_every: float = PROGRESS_EVERY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._clock = clock
        self._sender = sender
        self._reporter = reporter
        self._progress_every = progress_every
        self._monotonic = monotonic
        self._reported: dict[int, float] = {}
        self._wake = asyncio.Event()

    async def start(
        self, *, admin_id: int, language: str, text: str | None, photo_file_id: str | None
    ) -> Broadcast:
        now = self._clock.now()
        async with self._db.transaction() as tx:
            broadcast = await broadcasts.create(
                tx,
                admin_id=admin_id,
                language=language,
                text=text,
                photo_file_id=photo_file_id,
                now=now,
            )
            await admin.audit(
                tx,
                admin_id=admin_id,
                action="broadcast",
                target=str(broadcast.id),
                details={"recipients": broadcast.total, "photo": photo_file_id is not None},
                now=now,
            )
        log.info("broadcast.started", broadcast_id=broadcast.id, recipients=broadcast.total)
        self._wake.set()
        return broadcast

    async def run(self) -> None:
        """Send until cancelled; sleeps while there is nothing to send."""
        while True:
            if await self.run_once(limit=BATCH) == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_SLEEP)

    async def run_once(self, *, limit: int = BATCH) -> int:
        """Claim and send up to `limit` messages; report progress; return how many were tried."""
        async with self._db.transaction() as tx:
            claimed = await broadcasts.claim(tx, now=self._clock.now(), lease=LEASE, limit=limit)
        for item in claimed:
            status = await self._send(item)
            async with self._db.transaction() as tx:
                await broadcasts.mark(
                    tx,
                    broadcast_id=item.broadcast_id,
                    user_id=item.user_id,
                    status=status,
                    now=self._clock.now(),
                )
                if status is RecipientStatus.BLOCKED:
                    await admin.set_inactive(tx, item.user_id)
        await self._report()
        return len(claimed)

    async def _send(self, item: broadcasts.Claimed) -> RecipientStatus:
        try:
            await self._sender.send(
                chat_id=item.user_id, text=item.text, photo_file_id=item.photo_file_id
            )
        except RecipientUnavailable:
            return RecipientStatus.BLOCKED
        except DeliveryTemporarilyFailed as exc:
            log.warning("broadcast.send_failed", user_id=item.user_id, error=str(exc))
            return RecipientStatus.FAILED
        return RecipientStatus.SENT

    async def _report(self) -> None:
        async with self._db.read() as tx:
            active = await broadcasts.running(tx)
        for broadcast in active:
            async with self._db.transaction() as tx:
                finished = await broadcasts.finish_if_done(tx, broadcast.id, self._clock.now())
                counts = await broadcasts.counts(tx, broadcast.id)
            progress = _progress(broadcast, counts)
            if finished:
                self._reported.pop(broadcast.id, None)
                log.info("broadcast.finished", broadcast_id=broadcast.id, sent=progress.sent)
                await self._reporter.finished(broadcast, progress)
                continue
            last = self._reported.get(broadcast.id)
            now = self._monotonic()
            if last is not None and now - last < self._progress_every:
                continue
            self._reported[broadcast.id] = now
            message_id = await self._reporter.progress(broadcast, progress)
            if message_id is not None and message_id != broadcast.progress_message_id:
                async with self._db.transaction() as tx:
                    await broadcasts.set_progress_message(tx, broadcast.id, message_id)
