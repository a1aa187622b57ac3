"""The callback intake on a real database: a callback is acknowledged without I/O and its job
woken by one batched UPDATE; duplicates coalesce; a callback that outruns the stored task id
waits for it instead of letting a second worker submit again; a stop drains the queue; and a
wake-up lost in a crash is covered by the job's scheduled check (the real lifecycle, the KIE
simulator over loopback)."""

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from tests.conftest import ManualClock
from tests.services.test_lifecycle_deadlines import NoMedia, RecordingNotices
from trt.domain.catalog import load_catalog
from trt.domain.jobs import JobStatus, sources_of
from trt.domain.ledger import EntryKind
from trt.domain.pricing import PricingPolicy
from trt.kie import KieClient, RetryPolicy, sign_job
from trt.sandbox.kie import Behaviour, CallbackMode, KieSimulator
from trt.services.billing import Billing
from trt.services.callbacks import CallbackIntake, CallbackOutcome
from trt.services.generation import Generation
from trt.services.metrics import Metrics
from trt.services.processing import CallbackTarget, JobProcessor
from trt.services.reconciler import Reconciler
from trt.storage import jobs, users
from trt.storage.database import Database
from trt.storage.jobs import Job, NewJob

SECRET = "s3cret"
LATER = timedelta(seconds=60)


class Ticks:
    """The intake's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Rig:
    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.db = db
        self.clock = clock
        self.ticks = Ticks()
        self.metrics = Metrics()
        self.wakes = 0

    def intake(self, **options: Any) -> CallbackIntake:
        def wake() -> None:
            self.wakes += 1

        return CallbackIntake(
            db=self.db,
            clock=self.clock,
            job_secret=SECRET,
            kie_hmac_key=None,
            wake=wake,
            metrics=self.metrics,
            monotonic=self.ticks,
            **options,
        )

    def count(self, outcome: CallbackOutcome) -> int:
        value = self.metrics.registry.get_sample_value(
            "trt_kie_callbacks_total", {"outcome": outcome.value}
        )
        return int(value or 0)

    async def job(self, job_id: int) -> Job:
        async with self.db.read() as tx:
            job = await jobs.get(tx, job_id)
        assert job is not None
        return job

    async def pending_job(self, user_id: int = 3) -> int:
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await users.ensure_user(tx, user_id=user_id, now=now)
            job_id = await jobs.create(
                tx,
                NewJob(
                    user_id=user_id,
                    chat_id=user_id,
                    model_id="z-image",
                    family="market",
                    is_free=True,
                    price=0,
                    sku="z-image",
                    credits_quoted=Decimal(1),
                    inputs={"prompt": "x"},
                    correlation_id=f"c{user_id}",
                    deadline_at=now + timedelta(minutes=10),
                ),
                now=now,
            )
            # A worker has claimed it: its lease pushes the next look into the future.
            await jobs.update_in_flight(tx, job_id, now=now, next_check_at=now + LATER)
        return job_id

    async def submit(self, job_id: int, task_id: str) -> None:
        """What the submitting worker does once KIE answered createTask."""
        async with self.db.transaction() as tx:
            moved = await jobs.move(
                tx,
                job_id,
                to=JobStatus.SUBMITTED,
                sources=[JobStatus.PENDING],
                now=self.clock.now(),
                task_id=task_id,
                next_check_at=self.clock.now() + LATER,
            )
        assert moved

    async def submitted_job(self, task_id: str, user_id: int = 3) -> int:
        job_id = await self.pending_job(user_id)
        await self.submit(job_id, task_id)
        return job_id


def callback(
    job_id: int, task_id: str | None, secret: str = SECRET
) -> tuple[bytes, dict[str, str]]:
    data = {"state": "success"} | ({"taskId": task_id} if task_id else {})
    body = json.dumps({"code": 200, "data": data}).encode()
    return body, {"job": str(job_id), "sig": sign_job(str(job_id), secret)}


@contextmanager
def job_updates(db: Database) -> Iterator[list[str]]:
    """The UPDATE statements run against the jobs table meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE JOBS"):
            seen.append(statement)

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_a_callback_is_queued_without_io_and_its_job_woken_at_the_flush(
    db: Database, clock: ManualClock
) -> None:
    rig = Rig(db, clock)
    job_id = await rig.submitted_job("task-1")
    intake = rig.intake()

    assert intake.accept(*callback(job_id, "task-1"), {}) is CallbackOutcome.QUEUED
    assert (await rig.job(job_id)).next_check_at == clock.now() + LATER  # nothing written yet
    await intake.flush()

    assert (await rig.job(job_id)).next_check_at == clock.now()
    assert (rig.wakes, rig.count(CallbackOutcome.WOKE), intake.queued) == (1, 1, 0)


async def test_duplicates_coalesce_and_one_update_wakes_the_whole_batch(
    db: Database, clock: ManualClock
) -> None:
    rig = Rig(db, clock)
    first = await rig.submitted_job("task-a", user_id=3)
    second = await rig.submitted_job("task-b", user_id=4)
    intake = rig.intake()
    for _ in range(5):
        intake.accept(*callback(first, "task-a"), {})
    intake.accept(*callback(second, "task-b"), {})
    intake.accept(*callback(second, None), {})  # no task id in the body: named by job id alone

    with job_updates(db) as updates:
        await intake.flush()

    assert len(updates) == 1
    assert [(await rig.job(j)).next_check_at for j in (first, second)] == [clock.now()] * 2
    assert rig.count(CallbackOutcome.QUEUED) == 7
    assert (rig.count(CallbackOutcome.WOKE), rig.count(CallbackOutcome.IGNORED)) == (3, 0)
    assert rig.wakes == 1


async def test_an_already_due_job_keeps_its_earlier_place(db: Database, clock: ManualClock) -> None:
    rig = Rig(db, clock)
    job_id = await rig.submitted_job("task-1")
    async with db.transaction() as tx:
        await jobs.update_in_flight(
            tx, job_id, now=clock.now(), next_check_at=clock.now() - timedelta(seconds=5)
        )
    intake = rig.intake()
    intake.accept(*callback(job_id, "task-1"), {})
    await intake.flush()

    assert (await rig.job(job_id)).next_check_at == clock.now() - timedelta(seconds=5)
    assert rig.count(CallbackOutcome.WOKE) == 1


async def test_an_early_callback_waits_for_the_task_id_then_wakes(
    db: Database, clock: ManualClock
) -> None:
    rig = Rig(db, clock)
    job_id = await rig.pending_job()
    intake = rig.intake()
    intake.accept(*callback(job_id, "task-early"), {})

    await intake.flush()  # KIE answered before the submitter stored the task id
    pending = await rig.job(job_id)
    assert (pending.status, pending.next_check_at) == (JobStatus.PENDING, clock.now() + LATER)
    assert (intake.queued, rig.wakes) == (1, 0)

    rig.ticks.now += 0.5
    await rig.submit(job_id, "task-early")
    await intake.flush()

    assert (await rig.job(job_id)).next_check_at == clock.now()
    assert (intake.queued, rig.wakes, rig.count(CallbackOutcome.WOKE)) == (0, 1, 1)


async def test_a_callback_for_a_job_whose_submitter_died_changes_nothing(
    db: Database, clock: ManualClock
) -> None:
    rig = Rig(db, clock)
    job_id = await rig.pending_job()
    intake = rig.intake()
    intake.accept(*callback(job_id, "orphan-task"), {})

    for _ in range(4):  # flushes over 3 s: the task id never comes
        await intake.flush()
        rig.ticks.now += 1.0

    job = await rig.job(job_id)
    assert (job.status, job.next_check_at) == (JobStatus.PENDING, clock.now() + LATER)  # the lease
    assert (intake.queued, rig.wakes, rig.count(CallbackOutcome.EARLY)) == (0, 0, 1)


async def test_forged_mismatched_finished_and_unknown_callbacks_change_nothing(
    db: Database, clock: ManualClock
) -> None:
    rig = Rig(db, clock)
    running = await rig.submitted_job("task-1", user_id=3)
    finished = await rig.submitted_job("task-2", user_id=4)
    async with db.transaction() as tx:
        await jobs.move(
            tx,
            finished,
            to=JobStatus.SUCCEEDED,
            sources=sources_of(JobStatus.SUCCEEDED),
            now=clock.now(),
            finished_at=clock.now(),
        )
    before = [await rig.job(j) for j in (running, finished)]
    intake = rig.intake()

    outcomes = [
        intake.accept(*callback(running, "task-1", secret="wrong"), {}),
        intake.accept(callback(running, "task-1")[0], {"job": str(running)}, {}),
        intake.accept(*callback(running, "task-of-another-attempt"), {}),
        intake.accept(*callback(finished, "task-2"), {}),
        intake.accept(*callback(running + 10_000, "task-1"), {}),
        intake.accept(*callback(10**30, "task-1"), {}),  # signed, but no BIGINT names it
    ]
    await intake.flush()

    assert outcomes == [
        CallbackOutcome.FORGED,
        CallbackOutcome.FORGED,
        CallbackOutcome.QUEUED,
        CallbackOutcome.QUEUED,
        CallbackOutcome.QUEUED,
        CallbackOutcome.UNNAMED,
    ]
    assert [await rig.job(j) for j in (running, finished)] == before
    assert (rig.count(CallbackOutcome.IGNORED), rig.wakes, intake.queued) == (3, 0, 0)


async def test_stopping_drains_the_queue_and_later_callbacks_are_left_to_the_schedule(
    db: Database, clock: ManualClock
) -> None:
    rig = Rig(db, clock)
    first = await rig.submitted_job("task-1", user_id=3)
    queued = await rig.submitted_job("task-2", user_id=4)
    late = await rig.submitted_job("task-3", user_id=5)
    intake = rig.intake(flush_interval=60)
    worker = asyncio.create_task(intake.run())
    intake.accept(*callback(first, "task-1"), {})
    async with asyncio.timeout(3):  # after a quiet spell the first wake-up goes at once
        while (await rig.job(first)).next_check_at != clock.now():
            await asyncio.sleep(0.01)
    intake.accept(*callback(queued, "task-2"), {})  # its flush would come 60 s later
    await asyncio.sleep(0.05)
    assert (await rig.job(queued)).next_check_at == clock.now() + LATER

    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)
    assert (await rig.job(queued)).next_check_at == clock.now()  # drained

    assert intake.accept(*callback(late, "task-3"), {}) is CallbackOutcome.CLOSED
    assert intake.queued == 0
    assert (await rig.job(late)).next_check_at == clock.now() + LATER


async def test_a_full_queue_leaves_the_wake_up_to_the_schedule(
    db: Database, clock: ManualClock
) -> None:
    rig = Rig(db, clock)
    intake = rig.intake(max_queued=2)
    outcomes = [intake.accept(*callback(job_id, f"t{job_id}"), {}) for job_id in (1, 2, 3, 1)]
    queued, dropped = CallbackOutcome.QUEUED, CallbackOutcome.DROPPED
    assert outcomes == [queued, queued, dropped, queued]  # a repeat of a queued job still fits
    assert intake.queued == 2


async def test_a_wake_up_lost_in_a_crash_after_the_ack_is_covered_by_the_scheduled_check(
    db: Database, clock: ManualClock
) -> None:
    """The process acknowledged the callback and died before its flush: the job is still found
    at the check its schedule already holds, and settled once."""
    user = 9200
    catalog = load_catalog()
    async with (
        KieSimulator(api_key="k") as sim,
        KieClient(
            api_base=sim.base_url,
            upload_base=sim.base_url,
            api_key="k",
            retry=RetryPolicy(max_attempts=1),
        ) as kie,
    ):
        sim.set_behaviour(Behaviour(latency=0, callback=CallbackMode.LOST))
        notices = RecordingNotices()
        processor = JobProcessor(
            db=db,
            kie=kie,
            catalog=catalog,
            clock=clock,
            media=NoMedia(),
            notifier=notices,
            callbacks=CallbackTarget("http://127.0.0.1:9", SECRET),
        )
        reconciler = Reconciler(db=db, processor=processor, clock=clock)
        billing = Billing(db=db, clock=clock)
        await billing.open_account(user_id=user)
        await billing.credit(user_id=user, amount=1_000_000, kind=EntryKind.TOPUP, key="t")
        generation = Generation(
            db=db, catalog=catalog, pricing=PricingPolicy(), clock=clock, free_daily_quota=5
        )
        started = await generation.start(
            user_id=user, chat_id=user, model_id="nano-banana", values={"prompt": "x"}
        )
        assert await reconciler.run_once() == 1  # submitted; KIE finishes at once
        job = await Rig(db, clock).job(started.job_id)
        assert job.task_id is not None
        assert job.next_check_at is not None

        crashed = Rig(db, clock).intake()
        assert crashed.accept(*callback(job.id, job.task_id), {}) is CallbackOutcome.QUEUED
        del crashed  # the process dies here: the queued wake-up never reaches the database

        assert await reconciler.run_once() == 0  # nothing brought the check forward
        clock.current = job.next_check_at  # the safety-net check the schedule holds
        assert await reconciler.run_once() == 1

    settled = await Rig(db, clock).job(started.job_id)
    assert settled.status is JobStatus.SUCCEEDED
    assert notices.events[-1] == ("succeeded", "nano-banana")
    [task] = sim.tasks()  # submitted once, with our signed callback URL
    assert (task.task_id, task.callback_url) == (
        job.task_id,
        f"http://127.0.0.1:9/callbacks/kie?job={job.id}&sig={sign_job(str(job.id), SECRET)}",
    )
