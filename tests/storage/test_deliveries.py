"""Delivery claims on both engines: one row per job, leases, expiry, compare-and-set marks."""

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.conftest import ManualClock
from trt.domain.jobs import JobStatus, sources_of
from trt.storage import deliveries, jobs, users
from trt.storage.database import Database
from trt.storage.deliveries import ClaimedDelivery, DeliveryStatus

LEASE = timedelta(minutes=2)
IMAGE_RESULT = {"files": [{"url": "http://127.0.0.1:1/files/t/result-0.png", "kind": "image"}]}


async def create_succeeded_job(
    db: Database,
    now: datetime,
    *,
    result: dict[str, Any] | None = None,
    user_id: int = 1001,
    chat_id: int | None = None,
    model_id: str = "z-image",
    language: str | None = "ru",
) -> int:
    """A job that went pending → submitted → succeeded with `result`, as the generation does."""
    async with db.transaction() as tx:
        await users.ensure_user(tx, user_id=user_id, now=now, language=language)
        job_id = await jobs.create(
            tx,
            jobs.NewJob(
                user_id=user_id,
                chat_id=chat_id if chat_id is not None else user_id,
                model_id=model_id,
                family="market",
                is_free=False,
                price=1000,
                sku=model_id,
                credits_quoted=Decimal(2),
                inputs={"prompt": "a cat"},
                correlation_id=f"cid-{model_id}",
                deadline_at=now + timedelta(minutes=10),
            ),
            now=now,
        )
        submitted = await jobs.move(
            tx, job_id, to=JobStatus.SUBMITTED, sources=[JobStatus.PENDING], now=now
        )
        succeeded = await jobs.move(
            tx,
            job_id,
            to=JobStatus.SUCCEEDED,
            sources=sources_of(JobStatus.SUCCEEDED),
            now=now,
            result=result if result is not None else IMAGE_RESULT,
            finished_at=now,
        )
        assert (submitted, succeeded) == (True, True)
    return job_id


async def enqueue(db: Database, job_id: int, now: datetime) -> bool:
    async with db.transaction() as tx:
        return await deliveries.enqueue(tx, job_id, now)


async def claim(db: Database, now: datetime, *, limit: int = 10) -> list[ClaimedDelivery]:
    async with db.transaction() as tx:
        return await deliveries.claim_due(tx, now, LEASE, limit)


async def get(db: Database, job_id: int) -> deliveries.Delivery:
    async with db.read() as tx:
        found = await deliveries.get(tx, job_id)
    assert found is not None
    return found


async def test_enqueueing_twice_keeps_one_pending_row(db: Database, clock: ManualClock) -> None:
    job_id = await create_succeeded_job(db, clock.now())

    first = await enqueue(db, job_id, clock.now())
    again = await enqueue(db, job_id, clock.now())

    assert (first, again) == (True, False)
    row = await get(db, job_id)
    assert (row.status, row.attempts, row.due_at) == (DeliveryStatus.PENDING, 0, clock.now())
    assert len(await claim(db, clock.now())) == 1


async def test_a_claim_leases_the_row_and_carries_the_job(db: Database, clock: ManualClock) -> None:
    job_id = await create_succeeded_job(db, clock.now(), chat_id=555, language="en")
    await enqueue(db, job_id, clock.now())

    [claimed] = await claim(db, clock.now())

    assert claimed == ClaimedDelivery(
        job_id=job_id,
        attempts=1,
        lease_until=clock.now() + LEASE,
        message_ids=[],
        chat_id=555,
        model_id="z-image",
        correlation_id="cid-z-image",
        result=IMAGE_RESULT,
        language="en",
    )
    row = await get(db, job_id)
    assert (row.status, row.attempts, row.lease_until) == (
        DeliveryStatus.SENDING,
        1,
        clock.now() + LEASE,
    )


async def test_a_leased_row_is_not_claimed_again_before_the_lease_ends(
    db: Database, clock: ManualClock
) -> None:
    job_id = await create_succeeded_job(db, clock.now())
    await enqueue(db, job_id, clock.now())
    await claim(db, clock.now())

    clock.advance(seconds=LEASE.total_seconds() - 1)

    assert await claim(db, clock.now()) == []


async def test_an_expired_lease_is_claimable_again(db: Database, clock: ManualClock) -> None:
    job_id = await create_succeeded_job(db, clock.now())
    await enqueue(db, job_id, clock.now())
    await claim(db, clock.now())

    clock.advance(seconds=LEASE.total_seconds())
    [again] = await claim(db, clock.now())

    assert (again.job_id, again.attempts) == (job_id, 2)


async def test_a_row_is_not_claimed_before_it_is_due(db: Database, clock: ManualClock) -> None:
    job_id = await create_succeeded_job(db, clock.now())
    await enqueue(db, job_id, clock.now() + timedelta(seconds=30))

    assert await claim(db, clock.now()) == []
    clock.advance(seconds=30)
    assert [c.job_id for c in await claim(db, clock.now())] == [job_id]


async def test_claims_take_the_oldest_due_first_up_to_the_limit(
    db: Database, clock: ManualClock
) -> None:
    first = await create_succeeded_job(db, clock.now(), user_id=1)
    second = await create_succeeded_job(db, clock.now(), user_id=2)
    third = await create_succeeded_job(db, clock.now(), user_id=3)
    await enqueue(db, third, clock.now())
    await enqueue(db, first, clock.now() - timedelta(seconds=2))
    await enqueue(db, second, clock.now() - timedelta(seconds=1))

    taken = await claim(db, clock.now(), limit=2)

    assert [c.job_id for c in taken] == [first, second]
    assert [c.job_id for c in await claim(db, clock.now())] == [third]


async def test_concurrent_claims_take_disjoint_rows(db: Database, clock: ManualClock) -> None:
    job_ids = [await create_succeeded_job(db, clock.now(), user_id=uid) for uid in range(1, 7)]
    for job_id in job_ids:
        await enqueue(db, job_id, clock.now())

    results = await asyncio.gather(*(claim(db, clock.now(), limit=4) for _ in range(3)))

    taken = [c.job_id for result in results for c in result]
    assert sorted(taken) == sorted(job_ids)


async def test_mark_sent_is_a_compare_and_set_from_sending(
    db: Database, clock: ManualClock
) -> None:
    job_id = await create_succeeded_job(db, clock.now())
    await enqueue(db, job_id, clock.now())
    async with db.transaction() as tx:
        assert not await deliveries.mark_sent(tx, job_id, [1], clock.now())  # still pending
    await claim(db, clock.now())

    async with db.transaction() as tx:
        first = await deliveries.mark_sent(tx, job_id, [7, 8], clock.now())
    async with db.transaction() as tx:
        again = await deliveries.mark_sent(tx, job_id, [9], clock.now())

    assert (first, again) == (True, False)
    row = await get(db, job_id)
    assert (row.status, row.message_ids, row.sent_at, row.lease_until) == (
        DeliveryStatus.SENT,
        [7, 8],
        clock.now(),
        None,
    )
    clock.advance(hours=1)
    assert await claim(db, clock.now()) == []


async def test_retry_makes_the_row_due_again_later(db: Database, clock: ManualClock) -> None:
    job_id = await create_succeeded_job(db, clock.now())
    await enqueue(db, job_id, clock.now())
    [claimed] = await claim(db, clock.now())
    due = clock.now() + timedelta(seconds=20)

    async with db.transaction() as tx:
        assert await deliveries.mark_retry(
            tx, job_id, "503", due, clock.now(), attempt=claimed.attempts
        )

    row = await get(db, job_id)
    assert (row.status, row.due_at, row.last_error) == (DeliveryStatus.PENDING, due, "503")
    assert await claim(db, clock.now()) == []
    clock.advance(seconds=20)
    assert [c.attempts for c in await claim(db, clock.now())] == [2]


async def test_a_stale_claim_cannot_change_a_newer_one(db: Database, clock: ManualClock) -> None:
    job_id = await create_succeeded_job(db, clock.now())
    await enqueue(db, job_id, clock.now())
    [stale] = await claim(db, clock.now())
    clock.advance(seconds=LEASE.total_seconds())
    [current] = await claim(db, clock.now())
    now = clock.now()

    async with db.transaction() as tx:
        progress = await deliveries.record_progress(
            tx, job_id, [5], attempt=stale.attempts, now=now
        )
        retried = await deliveries.mark_retry(tx, job_id, "x", now, now, attempt=stale.attempts)
        failed = await deliveries.mark_failed(tx, job_id, "x", now, attempt=stale.attempts)
        recorded = await deliveries.record_progress(
            tx, job_id, [6], attempt=current.attempts, now=now
        )

    assert (progress, retried, failed, recorded) == (False, False, False, True)
    row = await get(db, job_id)
    assert (row.status, row.message_ids) == (DeliveryStatus.SENDING, [6])


async def test_progress_survives_a_retry_and_comes_back_with_the_next_claim(
    db: Database, clock: ManualClock
) -> None:
    job_id = await create_succeeded_job(db, clock.now())
    await enqueue(db, job_id, clock.now())
    [first] = await claim(db, clock.now())
    async with db.transaction() as tx:
        await deliveries.record_progress(tx, job_id, [11, 12], attempt=1, now=clock.now())
        await deliveries.mark_retry(tx, job_id, "429", clock.now(), clock.now(), attempt=1)

    [second] = await claim(db, clock.now())

    assert (first.message_ids, second.message_ids) == ([], [11, 12])


async def test_a_failed_row_is_never_claimed_again(db: Database, clock: ManualClock) -> None:
    job_id = await create_succeeded_job(db, clock.now())
    await enqueue(db, job_id, clock.now())
    await claim(db, clock.now())

    async with db.transaction() as tx:
        assert await deliveries.mark_failed(tx, job_id, "blocked", clock.now())

    row = await get(db, job_id)
    assert (row.status, row.last_error, row.lease_until) == (DeliveryStatus.FAILED, "blocked", None)
    clock.advance(days=1)
    assert await claim(db, clock.now()) == []
