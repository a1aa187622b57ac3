"""Result delivery: every succeeded job's files reach its chat once, even across crashes.

A job's delivery row is queued in the same transaction that marks the job succeeded
(`enqueue_delivery`), so a committed success always has a delivery. Workers then:

1. claim due rows with a lease, in one short transaction, as soon as one of `concurrency`
   slots is free (`ClaimLoop`; `attempts` is the claim's fencing token);
2. send the files through `Messenger`; after each message reaches the chat, the ids of the files
   delivered so far are committed, fenced by the claim, and a retry resumes after them;
3. mark the row sent right after the last message, or pending again with backoff (temporary
   failure), or failed (recipient gone, attempts exhausted, nothing to send).

Exactly once, and the window that remains: if the process dies after Telegram accepted a
message but before its progress commit, the lease expires and another worker sends that one
message again. The window is kept to a single message and a single-row UPDATE: progress is
committed per message, outside any long transaction, and nothing else runs in between; if the
database is unreachable then, the commit is retried while the lease lasts, so the window grows
only if the process also dies during the outage. A worker
that outlives its lease (stalled longer than `lease`) finds its fencing token stale at the next
progress commit and stops, so at most the message in flight is duplicated. A lease must
comfortably exceed the time to send one message (an upload of up to 50 MB); two minutes does.

After the row is marked sent, `ResultActions` (when given) puts the job's buttons under the
result: at most once, since only the worker whose mark succeeded offers them. A crash between
the mark and the offer loses the buttons, never the result; the history offers the same ones.

Against Telegram's ~30 messages/s overall (the `SendLimiter` paces every send of the process), a
one-file result costs two messages: the file and the buttons (at most 14.5 results/s at 29
messages/s). The status message's "done" edit (the lifecycle's, not sent here) is an edit: the
Bot FAQ states its limits for messages sent, and the emulator counts sends only.
"""

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.services.claim_loop import ClaimLoop
from trt.services.metrics import Metrics
from trt.services.ports import (
    Clock,
    DeliveryTemporarilyFailed,
    Messenger,
    MessengerError,
    RecipientUnavailable,
    ResultActions,
    ResultFileKind,
    ResultFileRef,
)
from trt.storage import deliveries
from trt.storage.database import MAYBE_UNAVAILABLE, Database, is_unavailable
from trt.storage.deliveries import ClaimedDelivery

log = structlog.get_logger(__name__)

_KINDS = {kind.value: kind for kind in ResultFileKind}


PROGRESS_RETRY_FIRST = 0.2  # seconds before the first retry of a failed progress commit
PROGRESS_RETRY_MAX = 5.0
PROGRESS_MARGIN = 5.0  # seconds of the lease left unused, so the fencing never races a new claim


class LeaseLost(Exception):
    """Another worker has claimed this delivery since: stop sending."""


async def enqueue_delivery(tx: AsyncConnection, *, job_id: int, now: datetime) -> bool:
    """Queue a succeeded job's delivery inside the caller's transaction; a repeat is a no-op."""
    return await deliveries.enqueue(tx, job_id, now)


def result_files(result: Mapping[str, Any] | None) -> list[ResultFileRef]:
    """The files of a stored job result (`{"files": [{url, kind, title}]}`), in order."""
    entries = (result or {}).get("files")
    files = []
    for entry in entries if isinstance(entries, list) else []:
        url = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(url, str) or not url:
            continue
        title = entry.get("title")
        files.append(
            ResultFileRef(
                url=url,
                kind=_kind(entry.get("kind")),
                title=title if isinstance(title, str) and title else None,
            )
        )
    return files


def _kind(value: object) -> ResultFileKind:
    return (
        _KINDS.get(value, ResultFileKind.OTHER) if isinstance(value, str) else ResultFileKind.OTHER
    )


class Deliveries:
    def __init__(
        self,
        *,
        db: Database,
        messenger: Messenger,
        clock: Clock,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 5,
        batch: int = 20,
        concurrency: int = 32,
        retry_delay: timedelta = timedelta(seconds=10),
        max_retry_delay: timedelta = timedelta(minutes=10),
        metrics: Metrics | None = None,
        actions: ResultActions | None = None,
    ) -> None:
        self._metrics = metrics or Metrics()
        self._db = db
        self._messenger = messenger
        self._actions = actions
        self._clock = clock
        self._lease = lease
        self._max_attempts = max_attempts
        self._batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._loop = ClaimLoop(
            name="deliveries",
            claim=self._claim,
            handle=self._deliver_recorded,
            concurrency=concurrency,
            idle_interval=0.5,
        )

    async def enqueue(self, tx: AsyncConnection, *, job_id: int) -> bool:
        """Queue a delivery in the caller's transaction; call `wake()` after it commits."""
        return await enqueue_delivery(tx, job_id=job_id, now=self._clock.now())

    def wake(self) -> None:
        """Make the running loop look for due deliveries now rather than at its next tick."""
        self._loop.wake()

    async def run_once(self) -> int:
        """Claim due deliveries and deliver them; returns how many were claimed."""
        claims = await self._claim(self._batch)
        await asyncio.gather(*(self._deliver_recorded(claim) for claim in claims))
        return len(claims)

    async def run(self, stop: asyncio.Event, interval: float = 0.5) -> None:
        """Deliver until `stop` is set, claiming as slots free up, on `wake()`, or every
        `interval` seconds."""
        log.info("delivery.loop_started", interval=interval)
        await self._loop.run(stop, idle_interval=interval)
        log.info("delivery.loop_stopped")

    async def _claim(self, limit: int) -> list[ClaimedDelivery]:
        async with self._db.transaction() as tx:
            return await deliveries.claim_due(
                tx, now=self._clock.now(), lease=self._lease, limit=limit
            )

    async def _deliver_recorded(self, claim: ClaimedDelivery) -> None:
        try:
            await self._deliver_guarded(claim)
        except Exception:  # the outcome could not be recorded (database): the lease retries it
            log.exception("delivery.unrecorded", job_id=claim.job_id)

    async def _deliver_guarded(self, claim: ClaimedDelivery) -> None:
        with structlog.contextvars.bound_contextvars(
            job_id=claim.job_id, correlation_id=claim.correlation_id, attempt=claim.attempts
        ):
            async with self._slots:
                try:
                    await self._deliver(claim)
                except LeaseLost:
                    log.warning("delivery.lease_lost")
                except Exception as exc:  # one delivery's bug must not stop the others
                    log.exception("delivery.crashed")
                    await self._retry_or_fail(claim, f"{type(exc).__name__}: {exc}", None)

    async def _deliver(self, claim: ClaimedDelivery) -> None:
        files = result_files(claim.result)
        if not files:
            await self._fail(claim, "the job result has no files")
        elif len(claim.message_ids) >= len(files):  # all went out; a crash lost only the mark
            await self._mark_sent(claim, claim.message_ids)
        elif claim.attempts > self._max_attempts:
            await self._fail(claim, "attempts exhausted (claims expired unmarked)")
        elif self._clock.now() >= claim.lease_until:  # waited too long for a slot
            log.warning("delivery.lease_expired_before_start")
        else:
            await self._send(claim, files[len(claim.message_ids) :])

    async def _send(self, claim: ClaimedDelivery, files: list[ResultFileRef]) -> None:
        """Send the files not yet in the chat, committing progress after each message."""
        done = list(claim.message_ids)

        async def progress(message_ids: Sequence[int]) -> None:
            done.extend(message_ids)
            if not await self._record_progress(claim, done):
                raise LeaseLost

        try:
            sent = await self._messenger.deliver_result(
                chat_id=claim.chat_id,
                model_id=claim.model_id,
                files=files,
                language=claim.language,
                on_sent=progress,
            )
        except RecipientUnavailable as exc:
            await self._fail(claim, f"recipient unavailable: {exc}", expected=True)
        except DeliveryTemporarilyFailed as exc:
            await self._retry_or_fail(claim, str(exc), exc.retry_after)
        else:
            await self._mark_sent(claim, [*claim.message_ids, *sent])

    async def _record_progress(self, claim: ClaimedDelivery, done: Sequence[int]) -> bool:
        """Commit which messages are in the chat; False if the claim was lost.

        Only this process knows they went out: if the database is unreachable now, giving up
        would have them sent again. So it keeps trying while the claim's lease lasts (after
        that another worker may claim the delivery, and the fencing refuses this record).
        """
        lease_left = (claim.lease_until - self._clock.now()).total_seconds()
        give_up_at = time.monotonic() + lease_left - PROGRESS_MARGIN
        pause = PROGRESS_RETRY_FIRST
        while True:
            try:
                async with self._db.transaction() as tx:
                    return await deliveries.record_progress(
                        tx, claim.job_id, done, attempt=claim.attempts, now=self._clock.now()
                    )
            except MAYBE_UNAVAILABLE as exc:
                if not is_unavailable(exc) or time.monotonic() + pause >= give_up_at:
                    raise
                log.warning("delivery.progress_retry", error=type(exc).__name__, pause_s=pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, PROGRESS_RETRY_MAX)

    async def _mark_sent(self, claim: ClaimedDelivery, message_ids: Sequence[int]) -> None:
        async with self._db.transaction() as tx:
            marked = await deliveries.mark_sent(tx, claim.job_id, message_ids, self._clock.now())
        if not marked:
            log.warning("delivery.sent_unmarked", chat_id=claim.chat_id)
            return
        self._metrics.deliveries.labels("sent").inc()
        log.info("delivery.sent", chat_id=claim.chat_id, messages=len(message_ids))
        if self._actions is not None:
            await self._offer_actions(self._actions, claim)

    async def _offer_actions(self, actions: ResultActions, claim: ClaimedDelivery) -> None:
        try:
            await actions.offer_actions(
                chat_id=claim.chat_id, job_id=claim.job_id, language=claim.language
            )
        except MessengerError as exc:  # the result is in the chat; the buttons are a bonus
            log.warning("delivery.actions_not_sent", error=str(exc))

    async def _retry_or_fail(
        self, claim: ClaimedDelivery, error: str, retry_after: float | None
    ) -> None:
        if claim.attempts >= self._max_attempts:
            await self._fail(claim, error)
            return
        delay = min(self._max_retry_delay, self._retry_delay * 2 ** (claim.attempts - 1))
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await deliveries.mark_retry(
                tx, claim.job_id, error, now + delay, now, attempt=claim.attempts
            )
        self._metrics.deliveries.labels("retry").inc()
        log.warning("delivery.retry", error=error, delay_s=delay.total_seconds())

    async def _fail(self, claim: ClaimedDelivery, error: str, *, expected: bool = False) -> None:
        """Give up; `expected` failures (the user blocked the bot) need nobody to look."""
        async with self._db.transaction() as tx:
            await deliveries.mark_failed(
                tx, claim.job_id, error, self._clock.now(), attempt=claim.attempts
            )
        self._metrics.deliveries.labels("blocked" if expected else "failed").inc()
        level = log.warning if expected else log.error
        level("delivery.failed", error=error, chat_id=claim.chat_id)
