"""Deadlines and crash recovery of the lifecycle, driven by a manual clock: the real database,
the KIE simulator over loopback, and the services; the chat side is a recording port."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from tests.conftest import ManualClock
from trt.domain.catalog import load_catalog
from trt.domain.jobs import FailReason, JobStatus
from trt.domain.ledger import EntryKind
from trt.domain.pricing import PricingPolicy
from trt.kie import KieClient, RetryPolicy
from trt.sandbox.kie import Behaviour, KieSimulator, Outcome
from trt.services.billing import Billing
from trt.services.generation import Generation
from trt.services.processing import JobProcessor
from trt.services.reconciler import Reconciler
from trt.storage import jobs, ledger
from trt.storage.database import Database

USER = 9100


@dataclass
class RecordingNotices:
    """The chat side of the lifecycle, recorded (a port of ours, not a mock of a service)."""

    events: list[tuple[str, object]] = field(default_factory=list)

    async def progress(self, **notice: object) -> None:
        self.events.append(("progress", notice["status"]))

    async def succeeded(self, **notice: object) -> None:
        self.events.append(("succeeded", notice["model_id"]))

    async def failed(self, **notice: object) -> None:
        self.events.append(("failed", notice["reason"]))


class NoMedia:
    async def fetch(self, ref: str) -> bytes:
        raise AssertionError(f"no user files in these tests ({ref})")


@dataclass
class Rig:
    generation: Generation
    reconciler: Reconciler
    notices: RecordingNotices
    clock: ManualClock
    kie: KieSimulator
    db: Database


@pytest.fixture
async def rig(db: Database, clock: ManualClock) -> AsyncIterator[Rig]:
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
        notices = RecordingNotices()
        processor = JobProcessor(
            db=db,
            kie=kie,
            catalog=catalog,
            clock=clock,
            media=NoMedia(),
            notifier=notices,
            callbacks=None,
        )
        billing = Billing(db=db, clock=clock)
        await billing.open_account(user_id=USER)
        await billing.credit(user_id=USER, amount=1_000_000, kind=EntryKind.TOPUP, key="t")
        yield Rig(
            generation=Generation(
                db=db, catalog=catalog, pricing=PricingPolicy(), clock=clock, free_daily_quota=5
            ),
            reconciler=Reconciler(db=db, processor=processor, clock=clock),
            notices=notices,
            clock=clock,
            kie=sim,
            db=db,
        )


async def money(rig: Rig) -> tuple[int, int]:
    async with rig.db.read() as tx:
        balance = await ledger.get_balance(tx, USER)
    return balance.available, balance.held


async def test_a_task_that_never_finishes_fails_at_the_deadline_and_refunds(rig: Rig) -> None:
    rig.kie.set_behaviour(Behaviour(outcome=Outcome.NEVER))
    started = await rig.generation.start(
        user_id=USER, chat_id=USER, model_id="nano-banana", values={"prompt": "x"}
    )
    assert await rig.reconciler.run_once() == 1  # submitted
    for _ in range(60):  # minutes of polling, each check due by the manual clock
        rig.clock.advance(seconds=30)
        await rig.reconciler.run_once()
    async with rig.db.read() as tx:
        job = await jobs.get(tx, started.job_id)

    assert job is not None
    assert (job.status, job.fail_reason) == (JobStatus.FAILED, FailReason.TIMEOUT)
    assert job.finished_at is not None
    assert job.finished_at <= job.deadline_at + timedelta(seconds=30)
    assert await money(rig) == (1_000_000, 0)
    assert rig.notices.events[-1] == ("failed", FailReason.TIMEOUT)


async def test_a_crash_between_create_and_storing_the_task_is_recovered_once(rig: Rig) -> None:
    """The worker died after createTask: the lease runs out, the job is submitted again, and
    the user is charged exactly once (the second task is the one that counts)."""
    rig.kie.set_behaviour(Behaviour(latency=0))
    started = await rig.generation.start(
        user_id=USER, chat_id=USER, model_id="nano-banana", values={"prompt": "x"}
    )
    async with rig.db.transaction() as tx:  # what a worker does before calling KIE ...
        [claimed] = await jobs.claim_due(
            tx, now=rig.clock.now(), lease=timedelta(seconds=90), limit=1
        )
        await jobs.update_in_flight(tx, claimed.id, now=rig.clock.now(), submit_attempts=1)
    # ... and then it dies: no task id stored. Nothing is due until the lease runs out.
    assert await rig.reconciler.run_once() == 0
    rig.clock.advance(seconds=91)
    for _ in range(5):
        await rig.reconciler.run_once()
        rig.clock.advance(seconds=5)

    async with rig.db.read() as tx:
        job = await jobs.get(tx, started.job_id)
    assert job is not None
    assert (job.status, job.submit_attempts) == (JobStatus.SUCCEEDED, 2)
    assert await money(rig) == (1_000_000 - started.price, 0)


async def test_submission_gives_up_after_its_attempts_and_refunds(rig: Rig) -> None:
    from trt.sandbox.kie import Fault

    rig.kie.inject_fault(Fault(path="/api/v1/jobs/createTask", status=503, count=100))
    started = await rig.generation.start(
        user_id=USER, chat_id=USER, model_id="nano-banana", values={"prompt": "x"}
    )
    for _ in range(8):
        await rig.reconciler.run_once()
        rig.clock.advance(minutes=1)
    async with rig.db.read() as tx:
        job = await jobs.get(tx, started.job_id)

    assert job is not None
    assert (job.status, job.fail_reason) == (JobStatus.FAILED, FailReason.SUBMIT_FAILED)
    assert await money(rig) == (1_000_000, 0)


@pytest.mark.postgres
async def test_two_reconcilers_on_one_postgres_handle_each_job_once(rig: Rig, db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite serves one process; this is about sharing PostgreSQL")
    rig.kie.set_behaviour(Behaviour(latency=0))
    started = [
        await rig.generation.start(
            user_id=USER, chat_id=USER, model_id="nano-banana", values={"prompt": f"p{n}"}
        )
        for n in range(30)
    ]
    second_db = Database(db.url)
    async with KieClient(
        api_base=rig.kie.base_url, upload_base=rig.kie.base_url, api_key="k"
    ) as kie:
        other = Reconciler(
            db=second_db,
            clock=rig.clock,
            processor=JobProcessor(
                db=second_db,
                kie=kie,
                catalog=load_catalog(),
                clock=rig.clock,
                media=NoMedia(),
                notifier=rig.notices,
                callbacks=None,
            ),
        )
        try:
            for _ in range(6):
                await asyncio.gather(rig.reconciler.run_once(), other.run_once())
                rig.clock.advance(seconds=5)
        finally:
            await second_db.dispose()

    stats = rig.kie.stats()
    assert sum(stats.creates.values()) == 30
    async with rig.db.read() as tx:
        finished = [await jobs.get(tx, s.job_id) for s in started]
        entries = await ledger.recent_entries(tx, USER, limit=1000)
    assert all(job is not None and job.status is JobStatus.SUCCEEDED for job in finished)
    captures = [e for e in entries if e.kind is EntryKind.CAPTURE]
    assert len(captures) == 30
    assert await money(rig) == (1_000_000 - sum(s.price for s in started), 0)


async def test_a_repeated_request_starts_one_job_and_holds_once(rig: Rig) -> None:
    async def press() -> int:
        started = await rig.generation.start(
            user_id=USER,
            chat_id=USER,
            model_id="nano-banana",
            values={"prompt": "x"},
            request_key="wizard:9100:s1",
        )
        return started.job_id

    job_ids = await asyncio.gather(*(press() for _ in range(5)))
    again = await press()

    assert len({*job_ids, again}) == 1
    price = (
        await rig.generation.start(
            user_id=USER,
            chat_id=USER,
            model_id="nano-banana",
            values={"prompt": "x"},
            request_key="wizard:9100:s2",
        )
    ).price
    assert await money(rig) == (1_000_000 - 2 * price, 2 * price)
