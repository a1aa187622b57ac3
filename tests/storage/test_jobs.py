"""Jobs repository on both engines: compare-and-set moves and leased claims of due jobs."""

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.conftest import ManualClock
from trt.domain.jobs import JobStatus
from trt.storage import jobs, users
from trt.storage.database import Database
from trt.storage.jobs import NewJob

LEASE = timedelta(seconds=30)


def new_job(user_id: int, clock: ManualClock) -> NewJob:
    return NewJob(
        user_id=user_id,
        chat_id=user_id,
        model_id="z-image",
        family="market",
        is_free=True,
        price=0,
        sku="z-image",
        credits_quoted=Decimal("0.8"),
        inputs={"prompt": "кот"},
        correlation_id="corr",
        deadline_at=clock.now() + timedelta(minutes=10),
    )


async def make_jobs(db: Database, clock: ManualClock, count: int) -> list[int]:
    async with db.transaction() as tx:
        await users.ensure_user(tx, user_id=7, now=clock.now())
        return [await jobs.create(tx, new_job(7, clock), now=clock.now()) for _ in range(count)]


async def test_a_move_happens_once_from_the_named_statuses(
    db: Database, clock: ManualClock
) -> None:
    [job_id] = await make_jobs(db, clock, 1)
    async with db.transaction() as tx:
        first = await jobs.move(
            tx,
            job_id,
            to=JobStatus.SUBMITTED,
            sources=[JobStatus.PENDING],
            now=clock.now(),
            task_id="t-1",
        )
        again = await jobs.move(
            tx,
            job_id,
            to=JobStatus.SUBMITTED,
            sources=[JobStatus.PENDING],
            now=clock.now(),
            task_id="t-2",
        )
        job = await jobs.get(tx, job_id)
        by_task = await jobs.get_by_task(tx, "t-1")
    assert (first, again) == (True, False)
    assert job is not None
    assert (job.status, job.task_id) == (JobStatus.SUBMITTED, "t-1")
    assert by_task == job
    assert job.inputs == {"prompt": "кот"}


async def test_terminal_jobs_are_not_touched_by_bookkeeping(
    db: Database, clock: ManualClock
) -> None:
    [job_id] = await make_jobs(db, clock, 1)
    async with db.transaction() as tx:
        await jobs.move(
            tx, job_id, to=JobStatus.FAILED, sources=[JobStatus.PENDING], now=clock.now()
        )
        changed = await jobs.update_in_flight(tx, job_id, now=clock.now(), check_count=5)
    assert not changed


async def test_due_jobs_are_leased_to_one_claimer(db: Database, clock: ManualClock) -> None:
    created = await make_jobs(db, clock, 3)
    async with db.transaction() as tx:
        claimed = await jobs.claim_due(tx, now=clock.now(), lease=LEASE, limit=2)
    async with db.transaction() as tx:
        rest = await jobs.claim_due(tx, now=clock.now(), lease=LEASE, limit=10)
    async with db.transaction() as tx:
        none_left = await jobs.claim_due(tx, now=clock.now(), lease=LEASE, limit=10)
    clock.advance(seconds=31)
    async with db.transaction() as tx:
        expired = await jobs.claim_due(tx, now=clock.now(), lease=LEASE, limit=10)

    assert sorted(j.id for j in claimed + rest) == created
    assert none_left == []
    assert sorted(j.id for j in expired) == created


@pytest.mark.postgres
async def test_concurrent_claims_on_postgres_are_disjoint(pg_url: str, clock: ManualClock) -> None:
    database = Database(pg_url)
    try:
        async with database.transaction() as tx:
            await users.ensure_user(tx, user_id=8, now=clock.now())
            created = {await jobs.create(tx, new_job(8, clock), now=clock.now()) for _ in range(40)}

        async def claim() -> list[int]:
            async with database.transaction() as tx:
                found = await jobs.claim_due(tx, now=clock.now(), lease=LEASE, limit=7)
                await asyncio.sleep(0.05)  # hold the row locks while the others claim
                return [j.id for j in found if j.id in created]

        claimed: list[int] = []
        for _ in range(10):  # other tests may have left due jobs: claim in rounds
            batches = await asyncio.gather(*(claim() for _ in range(6)))
            claimed += [job_id for batch in batches for job_id in batch]
            if set(claimed) == created:
                break
        assert len(claimed) == len(set(claimed))
        assert set(claimed) == created
    finally:
        await database.dispose()
