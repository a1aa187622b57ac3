"""The reconciler: one loop per process that takes due jobs and moves each one step on.

There is no coroutine per job: jobs wait in the database with a `next_check_at`, and each pass
claims a batch of due ones with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so several
processes share the work without handling a job twice at once. A crash leaves the lease to
expire, and the job comes due again: every in-flight job resumes from the database.
"""

import asyncio
import contextlib
from datetime import timedelta

import structlog

from trt.services.ports import Clock
from trt.services.processing import JobProcessor
from trt.storage import jobs
from trt.storage.database import Database
from trt.storage.jobs import Job

log = structlog.get_logger(__name__)


class Reconciler:
    def __init__(
        self,
        *,
        db: Database,
        processor: JobProcessor,
        clock: Clock,
        batch: int = 100,
        concurrency: int = 16,
        lease: timedelta = timedelta(seconds=60),
        idle_interval: float = 0.5,
    ) -> None:
        self._db = db
        self._processor = processor
        self._clock = clock
        self._batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        self._lease = lease
        self._idle_interval = idle_interval
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """Look for due jobs now (a job was created or a callback arrived)."""
        self._woken.set()

    async def run_once(self) -> int:
        """Claim one batch of due jobs and process them; return how many were claimed."""
        async with self._db.transaction() as tx:
            due = await jobs.claim_due(
                tx, now=self._clock.now(), lease=self._lease, limit=self._batch
            )
        await asyncio.gather(*(self._process(job) for job in due))
        return len(due)

    async def run(self) -> None:
        """Run until cancelled."""
        while True:
            self._woken.clear()
            try:
                claimed = await self.run_once()
            except Exception:  # loop boundary: log, back off, keep reconciling
                log.exception("reconciler.pass_failed")
                claimed = 0
            if claimed < self._batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), timeout=self._idle_interval)

    async def _process(self, job: Job) -> None:
        async with self._slots:
            try:
                await self._processor.process(job)
            except Exception:  # one job's bug must not stop the others
                log.exception("reconciler.job_failed", job_id=job.id)
