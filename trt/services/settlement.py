"""Ending a job, exactly once: the status compare-and-set decides who settles it.

Success: the job moves to `succeeded`, the hold is captured and a delivery is queued, all in
one transaction. Failure: the job moves to `failed` and the hold is released (or the free use
returned), in one transaction. A second attempt (a duplicate callback, two reconcilers) finds
the job already terminal and changes nothing; the ledger keys would refuse a double anyway.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain import quota
from trt.domain.jobs import IN_FLIGHT, FailReason, JobStatus, sources_of
from trt.domain.ledger import job_capture_key, job_hold_key, job_release_key
from trt.kie import TaskRecord
from trt.services.metrics import Metrics
from trt.services.ports import Clock
from trt.storage import deliveries, free_uses, jobs, ledger
from trt.storage.database import Database
from trt.storage.jobs import Job

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Failure:
    reason: FailReason
    code: str | None = None
    message: str | None = None


class Settlement:
    def __init__(self, *, db: Database, clock: Clock, metrics: Metrics | None = None) -> None:
        self._db = db
        self._clock = clock
        self._metrics = metrics or Metrics()

    async def succeed(self, job: Job, record: TaskRecord) -> bool:
        """True when this call moved the job to `succeeded` (False: it already ended)."""
        now = self._clock.now()
        result = {"files": _files(record)}
        async with self._db.transaction() as tx:
            moved = await jobs.move(
                tx,
                job.id,
                to=JobStatus.SUCCEEDED,
                sources=sources_of(JobStatus.SUCCEEDED),
                now=now,
                result=result,
                credits_consumed=record.credits_consumed,
                finished_at=now,
                next_check_at=None,
            )
            if not moved:
                return False
            if not job.is_free:
                await ledger.capture(
                    tx, hold_key=job_hold_key(job.id), key=job_capture_key(job.id), now=now
                )
            await deliveries.enqueue(tx, job.id, now)
        self._count(job, "succeeded", "capture")
        log.info("job.succeeded", files=len(result["files"]), credits=str(record.credits_consumed))
        return True

    async def fail(self, job: Job, failure: Failure) -> bool:
        """True when this call moved the job to `failed` and gave the money back."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            moved = await jobs.move(
                tx,
                job.id,
                to=JobStatus.FAILED,
                sources=IN_FLIGHT,
                now=now,
                fail_reason=failure.reason.value,
                fail_code=failure.code,
                fail_message=(failure.message or "")[:2000] or None,
                finished_at=now,
                next_check_at=None,
            )
            if not moved:
                return False
            if job.is_free:
                await _return_free_use(tx, job, now)
            else:
                await ledger.release(
                    tx, hold_key=job_hold_key(job.id), key=job_release_key(job.id), now=now
                )
        self._count(job, "failed", "release")
        log.info("job.failed", reason=failure.reason.value, code=failure.code)
        return True

    def _count(self, job: Job, outcome: str, ledger_kind: str) -> None:
        self._metrics.jobs.labels(job.model_id, outcome).inc()
        seconds = (self._clock.now() - job.created_at).total_seconds()
        self._metrics.job_seconds.labels(job.model_id, outcome).observe(seconds)
        if not job.is_free:
            self._metrics.ledger_kopecks.labels(ledger_kind).inc(job.price)


async def _return_free_use(tx: AsyncConnection, job: Job, now: datetime) -> None:
    day = await free_uses.day_of(tx, quota.free_use_key(job.id))
    if day is not None:
        await free_uses.record(
            tx, user_id=job.user_id, day=day, delta=-1, key=quota.free_return_key(job.id), now=now
        )


def _files(record: TaskRecord) -> Sequence[dict[str, str | None]]:
    return [
        {"url": item.url, "kind": item.kind.value, "title": item.title} for item in record.results
    ]
