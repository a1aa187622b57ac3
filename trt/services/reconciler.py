"""The reconciler: one loop per process that takes due jobs and moves each one step on.

There is no coroutine per waiting job: jobs wait in the database with a `next_check_at`, and the
loop claims due ones with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so several processes
share the work without handling a job twice at once. It claims continuously (`ClaimLoop`): as
soon as one of its `concurrency` slots frees up, not after a whole batch. A crash leaves the
lease to expire, and the job comes due again: every in-flight job resumes from the database.

A job woken by a callback while this process is still working on it is claimed again at once
(the wake-up makes it due); it is then handled right after the current step ends, re-read from
the database, never twice at the same time in this process.
"""

import asyncio
from datetime import timedelta

import structlog

from trt.domain.jobs import JobStatus
from trt.services.claim_loop import ClaimLoop
from trt.services.ports import Clock
from trt.services.processing import JobProcessor
from trt.storage import jobs
from trt.storage.database import Database
from trt.storage.jobs import Job

log = structlog.get_logger(__name__)

CHECKED = (JobStatus.SUBMITTED, JobStatus.RUNNING)


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
        self._working: dict[int, asyncio.Event] = {}  # job id -> set when its step ends
        self._loop = ClaimLoop(
            name="reconciler",
            claim=self._claim,
            handle=self._process,
            concurrency=concurrency,
            idle_interval=idle_interval,
        )

    def wake(self) -> None:
        """Look for due jobs now (a job was created or a callback arrived)."""
        self._loop.wake()

    async def run_once(self) -> int:
        """Claim one batch of due jobs and process them; return how many were claimed."""
        due = await self._claim(self._batch)
        await asyncio.gather(*(self._process(job) for job in due))
        return len(due)

    async def run(self) -> None:
        """Run until cancelled."""
        await self._loop.run()

    async def _claim(self, limit: int) -> list[Job]:
        async with self._db.transaction() as tx:
            return await jobs.claim_due(tx, now=self._clock.now(), lease=self._lease, limit=limit)

    async def _process(self, job: Job) -> None:
        previous = self._working.get(job.id)
        done = self._working[job.id] = asyncio.Event()
        try:
            if previous is not None:  # woken while its previous step runs: follow that step
                await previous.wait()
                async with self._db.read() as tx:
                    current = await jobs.get(tx, job.id)
                # Only a check is repeated: a pending job's submission keeps its own schedule.
                if current is None or current.status not in CHECKED:
                    return
                job = current
            async with self._slots:
                await self._processor.process(job)
        except Exception:  # one job's bug must not stop the others
            log.exception("reconciler.job_failed", job_id=job.id)
        finally:
            done.set()
            if self._working.get(job.id) is done:
                del self._working[job.id]
