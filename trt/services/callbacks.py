"""KIE callbacks are wake-ups, never the truth.

A callback names a job (our signed `job`/`sig` query) and a task; if it checks out, the job is
made due now and the reconciler re-reads the task from KIE's record endpoint. A forged,
unknown, duplicate or late callback changes nothing. Whatever happens, the HTTP side answers
200 at once.
"""

import asyncio
from collections.abc import Callable, Mapping
from enum import StrEnum

import structlog

from trt.domain.jobs import JobStatus
from trt.kie import CallbackWakeup, parse_callback, verify_job_signature, verify_kie_signature
from trt.services.metrics import Metrics
from trt.services.ports import Clock
from trt.storage import jobs
from trt.storage.database import Database
from trt.storage.jobs import Job

log = structlog.get_logger(__name__)

EARLY_CALLBACK_POLLS = 15
EARLY_CALLBACK_PAUSE = 0.2  # seconds: KIE waits 15 s for our answer; we wait at most 3


class CallbackOutcome(StrEnum):
    WOKE = "woke"
    FORGED = "forged"
    UNKNOWN = "unknown"
    FINISHED = "finished"  # the job already ended: a duplicate or a late callback
    MISMATCH = "mismatch"  # the task is not the job's task (e.g. an abandoned attempt)
    EARLY = "early"  # the job's task id was never stored (its submitter died)


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
    ) -> None:
        self._metrics = metrics or Metrics()
        self._db = db
        self._clock = clock
        self._job_secret = job_secret
        self._kie_hmac_key = kie_hmac_key
        self._wake = wake

    async def accept(
        self, body: bytes, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> CallbackOutcome:
        wakeup = parse_callback(body, query, headers)
        outcome = await self._handle(wakeup, headers)
        self._metrics.callbacks.labels(outcome.value).inc()
        log.info(
            "callback.received",
            outcome=outcome.value,
            task_id=wakeup.task_id,
            job_ref=wakeup.job_ref,
            family=wakeup.family,
            stage=wakeup.callback_type,
        )
        return outcome

    async def _handle(self, wakeup: CallbackWakeup, headers: Mapping[str, str]) -> CallbackOutcome:
        if not self._authentic(wakeup, headers):
            return CallbackOutcome.FORGED
        job = await self._find(wakeup)
        if job is None:
            return CallbackOutcome.UNKNOWN
        if job.status is JobStatus.PENDING:
            # KIE answered faster than the submitting worker stored the task id. Making the
            # job due now would let another worker submit it again: wait for the task id.
            job = await self._wait_until_submitted(job)
            if job is None:
                return CallbackOutcome.EARLY
        if job.status.is_terminal:
            return CallbackOutcome.FINISHED
        if wakeup.task_id and job.task_id and wakeup.task_id != job.task_id:
            return CallbackOutcome.MISMATCH
        async with self._db.transaction() as tx:
            await jobs.update_in_flight(
                tx, job.id, now=self._clock.now(), next_check_at=self._clock.now()
            )
        self._wake()
        return CallbackOutcome.WOKE

    async def _wait_until_submitted(self, job: Job) -> Job | None:
        for _ in range(EARLY_CALLBACK_POLLS):
            await asyncio.sleep(EARLY_CALLBACK_PAUSE)
            async with self._db.read() as tx:
                current = await jobs.get(tx, job.id)
            if current is not None and current.status is not JobStatus.PENDING:
                return current
        return None  # the submitter died mid-way: its lease runs out and the job is retried

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

    async def _find(self, wakeup: CallbackWakeup) -> Job | None:
        async with self._db.read() as tx:
            if wakeup.job_ref is not None and wakeup.job_ref.isdigit():
                return await jobs.get(tx, int(wakeup.job_ref))
            if wakeup.task_id:
                return await jobs.get_by_task(tx, wakeup.task_id)
        return None
