"""The per-user limit on generation starts (GENERATION_STARTS_PER_MINUTE), on both engines:
counted in the database (so it holds across instances), refused before anything is held, the
wait named, other users untouched, and concurrent starts never slip past it on PostgreSQL."""

import asyncio

import pytest

from tests.conftest import ManualClock
from trt.domain.catalog import load_catalog
from trt.domain.errors import TooManyStarts
from trt.domain.ledger import EntryKind
from trt.domain.pricing import PricingPolicy
from trt.services.billing import Billing
from trt.services.generation import Generation
from trt.storage import ledger
from trt.storage.database import Database

CATALOG = load_catalog()
USER, OTHER, RACER = 6101, 6102, 6103


def generation(db: Database, clock: ManualClock, per_minute: int) -> Generation:
    return Generation(
        db=db,
        catalog=CATALOG,
        pricing=PricingPolicy(),
        clock=clock,
        free_daily_quota=5,
        starts_per_minute=per_minute,
    )


async def fund(db: Database, clock: ManualClock, *users: int) -> None:
    billing = Billing(db=db, clock=clock)
    for user_id in users:
        await billing.open_account(user_id=user_id)
        await billing.credit(
            user_id=user_id, amount=1_000_000, kind=EntryKind.TOPUP, key=f"fund:{user_id}"
        )


async def start(service: Generation, user_id: int = USER) -> int:
    started = await service.start(
        user_id=user_id, chat_id=user_id, model_id="nano-banana", values={"prompt": "a cat"}
    )
    return started.job_id


async def test_the_start_over_the_limit_is_refused_with_the_wait_and_holds_nothing(
    db: Database, clock: ManualClock
) -> None:
    await fund(db, clock, USER, OTHER)
    service = generation(db, clock, per_minute=3)
    for _ in range(3):
        await start(service)
        clock.advance(seconds=10)
    async with db.read() as tx:
        held_before = (await ledger.get_balance(tx, USER)).held

    with pytest.raises(TooManyStarts) as refused:
        await start(service)

    assert refused.value.retry_after == 30  # the first start was 30 s ago
    async with db.read() as tx:
        assert (await ledger.get_balance(tx, USER)).held == held_before
    await start(service, OTHER)  # someone else is not limited by this user
    clock.advance(seconds=30)
    await start(service)  # a minute after the first start, one more is allowed


async def test_no_limit_when_set_to_zero(db: Database, clock: ManualClock) -> None:
    await fund(db, clock, USER)
    service = generation(db, clock, per_minute=0)

    ids = [await start(service) for _ in range(12)]

    assert len(set(ids)) == 12


@pytest.mark.postgres
async def test_concurrent_starts_on_postgres_never_exceed_the_limit(
    pg_url: str, clock: ManualClock
) -> None:
    first, second = Database(pg_url), Database(pg_url)  # two instances
    try:
        await fund(first, clock, RACER)
        services = [generation(first, clock, per_minute=4), generation(second, clock, 4)]
        outcomes = await asyncio.gather(
            *(start(services[n % 2], RACER) for n in range(12)), return_exceptions=True
        )
    finally:
        await first.dispose()
        await second.dispose()

    started = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, TooManyStarts)]
    assert (len(started), len(refused)) == (4, 8), outcomes
