"""Broadcasts: an admin's message to every active, non-banned user, sent by a worker through
the rate-limited sender, resumable after a restart.

Only the leader runs the worker (`run`, started and stopped with the leader role), so one
process sends and its limiter keeps the whole bot under Telegram's overall limit; recipient rows
are still claimed with leases, so even two workers for a moment (a leader change) never take
the same row.

Each recipient row is claimed with a lease and marked right after its send, so a restart
continues where the last one stopped; only a crash between a send and its mark can repeat
that one message (after the lease runs out). A temporary failure (network, 5xx, 429 beyond the
sender's wait budget) puts the row back with a growing delay, up to `max_attempts` claims, then
it counts as failed; a user who blocked the bot (or whose chat is gone) is marked inactive and
counts as blocked. The admin sees one progress message, edited every few seconds, and a final
report read from the rows (so retries and restarts cannot skew it), sent once the last
recipient settled; a crash right after sending it may send it again, never lose it.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import structlog

from trt.services.ports import (
    Clock,
    DeliveryTemporarilyFailed,
    MessageRejected,
    RecipientUnavailable,
)
from trt.storage import admin, broadcasts
from trt.storage.broadcasts import Broadcast, BroadcastStatus, Claimed, RecipientStatus
from trt.storage.database import Database

log = structlog.get_logger(__name__)

BATCH = 25
IDLE_SLEEP = 1.0
ERROR_SLEEP = 5.0  # after an unexpected error (e.g. the database is away), before trying again
PROGRESS_EVERY = 3.0  # seconds between edits of the progress message
LEASE = timedelta(minutes=2)
STOP_GRACE = 10.0  # seconds a stopping worker gives the message in flight
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=15)  # the first retry's delay; it doubles with each attempt
RETRY_MAX = timedelta(minutes=5)


class BroadcastSender(Protocol):
    async def send(self, *, chat_id: int, text: str | None, photo_file_id: str | None) -> None:
        """One broadcast message. Raises RecipientUnavailable, MessageRejected or
        DeliveryTemporarilyFailed."""
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


# A recipient's settled status, or how long to wait before the next try.
Outcome = RecipientStatus | timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = MAX_ATTEMPTS
    base: timedelta = RETRY_BASE
    ceiling: timedelta = RETRY_MAX

    def delay(self, attempts: int, retry_after: float | None) -> timedelta:
        """How long a row waits after its `attempts`-th claim failed for a while."""
        backoff: timedelta = min(self.base * 2 ** max(attempts - 1, 0), self.ceiling)
        return max(backoff, timedelta(seconds=retry_after or 0))


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
        retry: RetryPolicy | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._clock = clock
        self._sender = sender
        self._reporter = reporter
        self._progress_every = progress_every
        self._retry = retry or RetryPolicy()
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
        self._wake.set()  # this instance's worker, if it is the leader; else within IDLE_SLEEP
        return broadcast

    async def run(self) -> None:
        """Send until cancelled; sleeps while there is nothing to send."""
        while True:
            try:
                tried = await self.run_once(limit=BATCH)
            except Exception:  # the worker's boundary: logged, then it waits and goes on
                log.exception("broadcast.worker_failed")
                await asyncio.sleep(ERROR_SLEEP)
                continue
            if tried == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_SLEEP)

    async def run_once(self, *, limit: int = BATCH) -> int:
        """Claim and send up to `limit` messages; report progress; return how many were tried."""
        async with self._db.transaction() as tx:
            claimed = await broadcasts.claim(tx, now=self._clock.now(), lease=LEASE, limit=limit)
        for index, item in enumerate(claimed):
            step = asyncio.ensure_future(self._deliver(item))
            try:
                await asyncio.shield(step)
            except asyncio.CancelledError:
                await self._hand_over(step, claimed[index + 1 :])
                raise
        await self._report()
        return len(claimed)

    async def _deliver(self, item: Claimed) -> None:
        await self._settle(item, await self._send(item))

    async def _hand_over(self, step: "asyncio.Future[None]", rest: list[Claimed]) -> None:
        """Stopped (no longer the leader, or shutting down): the message in flight may finish
        and be marked (for at most STOP_GRACE seconds, else its row waits out its lease), and
        the rows not yet tried go back at once for the next leader."""
        try:
            await asyncio.wait_for(step, STOP_GRACE)
        except Exception:  # a stop must not fail: logged, the row waits out its lease
            log.warning("broadcast.stopped_mid_send", exc_info=True)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            for item in rest:
                await broadcasts.release(
                    tx, broadcast_id=item.broadcast_id, user_id=item.user_id, now=now
                )

    async def _send(self, item: Claimed) -> Outcome:
        try:
            await self._sender.send(
                chat_id=item.user_id, text=item.text, photo_file_id=item.photo_file_id
            )
        except RecipientUnavailable:
            return RecipientStatus.BLOCKED
        except MessageRejected as exc:
            log.warning("broadcast.rejected", user_id=item.user_id, error=str(exc))
            return RecipientStatus.FAILED
        except DeliveryTemporarilyFailed as exc:
            if item.attempts >= self._retry.max_attempts:
                log.warning("broadcast.gave_up", user_id=item.user_id, error=str(exc))
                return RecipientStatus.FAILED
            delay = self._retry.delay(item.attempts, exc.retry_after)
            log.info("broadcast.retry_later", user_id=item.user_id, seconds=delay.seconds)
            return delay
        return RecipientStatus.SENT

    async def _settle(self, item: Claimed, outcome: Outcome) -> None:
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if isinstance(outcome, timedelta):
                await broadcasts.retry_later(
                    tx, broadcast_id=item.broadcast_id, user_id=item.user_id, at=now + outcome
                )
                return
            await broadcasts.mark(
                tx, broadcast_id=item.broadcast_id, user_id=item.user_id, status=outcome, now=now
            )
            if outcome is RecipientStatus.BLOCKED:
                await admin.set_inactive(tx, item.user_id)

    async def _report(self) -> None:
        async with self._db.read() as tx:
            pending = await broadcasts.open_broadcasts(tx)
        for broadcast in pending:
            async with self._db.transaction() as tx:
                finishing = broadcast.status is BroadcastStatus.FINISHING or (
                    await broadcasts.finish_if_settled(tx, broadcast.id)
                )
                counts = await broadcasts.counts(tx, broadcast.id)
            progress = _progress(broadcast, counts)
            if finishing:
                await self._finish(broadcast, progress)
            else:
                await self._show_progress(broadcast, progress)

    async def _finish(self, broadcast: Broadcast, progress: Progress) -> None:
        # Report first, then record it: a crash in between repeats the report, never loses it.
        await self._reporter.finished(broadcast, progress)
        async with self._db.transaction() as tx:
            await broadcasts.mark_reported(tx, broadcast.id, self._clock.now())
        self._reported.pop(broadcast.id, None)
        log.info(
            "broadcast.finished",
            broadcast_id=broadcast.id,
            sent=progress.sent,
            blocked=progress.blocked,
            failed=progress.failed,
        )

    async def _show_progress(self, broadcast: Broadcast, progress: Progress) -> None:
        last = self._reported.get(broadcast.id)
        now = self._monotonic()
        if last is not None and now - last < self._progress_every:
            return
        self._reported[broadcast.id] = now
        message_id = await self._reporter.progress(broadcast, progress)
        if message_id is not None and message_id != broadcast.progress_message_id:
            async with self._db.transaction() as tx:
                await broadcasts.set_progress_message(tx, broadcast.id, message_id)
