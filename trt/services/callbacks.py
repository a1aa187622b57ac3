"""KIE callbacks are wake-ups, never the truth.

A callback names a job (our signed `job`/`sig` query) and a task. `accept` does only what needs
no I/O: parse the body, check the signatures, queue the job's key; the web side answers 200 at
once. The worker (`run`) wakes the queued jobs together, at most once per `flush_interval`
(20 ms; the first wake-up after a quiet spell goes at once): one UPDATE makes due now each
queued job that is submitted or running and whose task is the one the callback named, and the
reconciler then re-reads those tasks from KIE's record endpoint. A duplicate within the window
is coalesced; a forged, unknown, finished or mismatched callback changes nothing.

Acknowledging before the database has the wake-up keeps two guarantees:

* A job is never submitted twice. The UPDATE touches only jobs with a stored task id
  (submitted or running), never a pending one, which another worker could submit again. A
  callback that outruns the stored task id (KIE answered before the submitter committed) stays
  queued and is tried again at every flush for up to `early_wait` (3 s); if the task id never
  comes (the submitter died), the job is left to its lease and submitted once more later.
* Nothing is lost by a crash after the 200. Every in-flight job keeps a scheduled check
  (`next_check_at`: the CheckSchedule's safety net after the expected generation time), and the
  reconciler finds the job at that check whether or not its wake-up reached the database; the
  callback only brings the check forward. So a wake-up lost in a crash, dropped from a full
  queue, or arriving after a stop costs latency, never a job. On a stop `run` drains the queue
  with one last flush.
"""

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum

import structlog

from trt.domain.jobs import JobStatus
from trt.kie import CallbackWakeup, parse_callback, verify_job_signature, verify_kie_signature
from trt.services.metrics import Metrics
from trt.services.ports import Clock
from trt.storage import jobs
from trt.storage.database import Database

log = structlog.get_logger(__name__)

FLUSH_INTERVAL = 0.02  # seconds a wake-up waits for others to share its UPDATE
EARLY_WAIT = 3.0  # seconds: KIE waits 15 s for our answer; an early callback waits at most 3
MAX_QUEUED = 50_000  # distinct jobs; beyond it a wake-up is left to the scheduled check
DRAIN_TIMEOUT = 5.0
FAILURE_PAUSE = 1.0  # seconds before a failed flush (database down) is tried again
MAX_JOB_ID = 2**63 - 1  # a BIGINT; a larger signed reference names no job

CHECKED = (JobStatus.SUBMITTED, JobStatus.RUNNING)  # has a task id: a wake-up may make it due

# (job id, task id): a callback names its job by our signed id, or by task id alone when only
# KIE's HMAC vouches for it; the task id, when present, must be the job's own.
WakeKey = tuple[int | None, str | None]


class CallbackOutcome(StrEnum):
    QUEUED = "queued"  # authentic: its job is woken at the next flush (a duplicate coalesces)
    FORGED = "forged"
    UNNAMED = "unnamed"  # authentic but names no job we could look up
    CLOSED = "closed"  # arrived after the worker stopped: left to the scheduled check
    DROPPED = "dropped"  # the queue was full: left to the scheduled check
    WOKE = "woke"  # at a flush: the job is due now (made due, or due already)
    IGNORED = "ignored"  # at a flush: unknown job, finished job, or another task than the job's
    EARLY = "early"  # at a flush: the task id was never stored within `early_wait`


class CallbackIntake:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        job_secret: str | None,
        kie_hmac_key: str | None,
        wake: Callable[[], None],
        metrics: Metrics | None = None,
        flush_interval: float = FLUSH_INTERVAL,
        early_wait: float = EARLY_WAIT,
        max_queued: int = MAX_QUEUED,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        metrics = metrics or Metrics()
        self._counts = {
            outcome: metrics.callbacks.labels(outcome.value) for outcome in CallbackOutcome
        }
        self._db = db
        self._clock = clock
        self._job_secret = job_secret
        self._kie_hmac_key = kie_hmac_key
        self._wake = wake
        self._flush_interval = flush_interval
        self._early_wait = early_wait
        self._max_queued = max_queued
        self._monotonic = monotonic
        self._queued: dict[WakeKey, float] = {}  # key -> when first queued (monotonic)
        self._arrived = asyncio.Event()
        self._closed = False

    @property
    def queued(self) -> int:
        return len(self._queued)

    def accept(
        self, body: bytes, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> CallbackOutcome:
        """Check one callback and queue its job's wake-up; no I/O, never raises on bad input."""
        wakeup = parse_callback(body, query, headers)
        outcome = self._queue(wakeup, headers)
        self._counts[outcome].inc()
        return outcome

    async def flush(self) -> None:
        """Wake the queued jobs with one UPDATE; keep early ones queued up to `early_wait`."""
        if not self._queued:
            return
        batch, self._queued = self._queued, {}
        try:
            woken, pending, made_due = await self._wake_batch(batch)
        except BaseException:
            self._requeue(batch)  # the database failed (or we were cancelled): try again later
            raise
        now = self._monotonic()
        waiting = {key: batch[key] for key in pending if now - batch[key] < self._early_wait}
        expired = [key for key in pending if key not in waiting]
        self._requeue(waiting)
        ignored = len(batch) - len(woken) - len(waiting) - len(expired)
        self._counts[CallbackOutcome.WOKE].inc(len(woken))
        self._counts[CallbackOutcome.IGNORED].inc(ignored)
        self._counts[CallbackOutcome.EARLY].inc(len(expired))
        for job_id, task_id in expired:
            log.warning("callback.task_id_never_stored", job_id=job_id, task_id=task_id)
        if made_due:
            self._wake()
        log.debug("callbacks.flushed", woke=len(woken), ignored=ignored, waiting=len(waiting))

    async def run(self) -> None:
        """Flush while callbacks arrive, until cancelled; then drain the queue once."""
        last = -self._flush_interval
        try:
            while True:
                await self._arrived.wait()
                # A wake-up after a quiet spell goes at once; under load one flush per interval.
                await asyncio.sleep(max(0.0, last + self._flush_interval - self._monotonic()))
                self._arrived.clear()
                last = self._monotonic()
                try:
                    await self.flush()
                except Exception:  # loop boundary: the batch is queued again; retry shortly
                    log.exception("callbacks.flush_failed", queued=len(self._queued))
                    await asyncio.sleep(FAILURE_PAUSE)
                if self._queued:
                    self._arrived.set()
        finally:
            self._closed = True
            await self._drain()

    async def _drain(self) -> None:
        try:
            await asyncio.wait_for(self.flush(), timeout=DRAIN_TIMEOUT)
        except Exception:  # shutdown boundary: what is left goes to the scheduled checks
            log.exception("callbacks.drain_failed", left=len(self._queued))
            return
        if self._queued:
            log.info("callbacks.left_to_scheduled_checks", jobs=len(self._queued))
        self._queued.clear()

    def _queue(self, wakeup: CallbackWakeup, headers: Mapping[str, str]) -> CallbackOutcome:
        if not self._authentic(wakeup, headers):
            return CallbackOutcome.FORGED
        key = _key(wakeup)
        if key is None:
            return CallbackOutcome.UNNAMED
        if self._closed:
            return CallbackOutcome.CLOSED
        if key not in self._queued:
            if len(self._queued) >= self._max_queued:
                return CallbackOutcome.DROPPED
            self._queued[key] = self._monotonic()
        self._arrived.set()
        return CallbackOutcome.QUEUED

    async def _wake_batch(
        self, batch: Mapping[WakeKey, float]
    ) -> tuple[set[WakeKey], set[WakeKey], bool]:
        """The keys whose job is due now (made due, or due already), the keys whose job is
        still pending, and whether any job was made due."""
        id_tasks = [(i, t) for i, t in batch if i is not None and t is not None]
        ids = [i for i, t in batch if i is not None and t is None]
        task_ids = [t for i, t in batch if i is None and t is not None]
        async with self._db.transaction() as tx:
            made_due = await jobs.wake_checked(
                tx, id_tasks=id_tasks, ids=ids, task_ids=task_ids, now=self._clock.now()
            )
            woken = _named_by(batch, made_due)
            rest = [key for key in batch if key not in woken]
            if not rest:
                return woken, set(), bool(made_due)
            states = await jobs.states_of(
                tx,
                ids={i for i, _ in rest if i is not None},
                task_ids={t for i, t in rest if i is None and t is not None},
            )
        due_already = _named_by(rest, [(i, t) for i, t, status in states if status in CHECKED])
        pending_ids = {i for i, _, status in states if status is JobStatus.PENDING}
        pending = {key for key in rest if key[0] in pending_ids}
        return woken | due_already, pending, bool(made_due)

    def _requeue(self, entries: Mapping[WakeKey, float]) -> None:
        for key, first in entries.items():
            self._queued[key] = min(first, self._queued.get(key, first))

    def _authentic(self, wakeup: CallbackWakeup, headers: Mapping[str, str]) -> bool:
        if self._kie_hmac_key is not None and not (
            wakeup.task_id
            and verify_kie_signature(
                task_id=wakeup.task_id,
                headers=headers,
                hmac_key=self._kie_hmac_key,
                now=self._clock.now().timestamp(),
            )
        ):
            return False
        if self._job_secret is None or wakeup.job_ref is None:
            # Without our signed job reference only KIE's own signature can vouch for it.
            return self._kie_hmac_key is not None
        return verify_job_signature(wakeup.job_ref, wakeup.job_sig, self._job_secret)


def _named_by(
    keys: Iterable[WakeKey], jobs_found: Iterable[tuple[int, str | None]]
) -> set[WakeKey]:
    """The keys that name one of `jobs_found`: by (id, task id), by id, or by task id."""
    pairs = set(jobs_found)
    ids = {job_id for job_id, _ in pairs}
    tasks = {task_id for _, task_id in pairs if task_id is not None}
    return {
        key
        for key in keys
        if key in pairs
        or (key[1] is None and key[0] in ids)
        or (key[0] is None and key[1] in tasks)
    }


def _key(wakeup: CallbackWakeup) -> WakeKey | None:
    if wakeup.job_ref is not None and wakeup.job_ref.isascii() and wakeup.job_ref.isdigit():
        job_id = int(wakeup.job_ref)
        return (job_id, wakeup.task_id) if job_id <= MAX_JOB_ID else None
    if wakeup.task_id:
        return (None, wakeup.task_id)
    return None
