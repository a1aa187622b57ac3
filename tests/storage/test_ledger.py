"""The ledger on both engines: idempotent keys, guarded balances, holds settled once."""

import asyncio

import pytest
import sqlalchemy as sa

from tests.conftest import ManualClock
from trt.domain.errors import HoldAlreadySettled, InsufficientFunds, UnknownHold, UnknownUser
from trt.domain.ledger import EntryKind, HoldStatus
from trt.services.billing import Billing
from trt.storage import ledger
from trt.storage.database import Database
from trt.storage.ledger import IdempotencyConflict
from trt.storage.tables import ledger_entries

USER = 1001


@pytest.fixture
async def billing(db: Database, clock: ManualClock) -> Billing:
    service = Billing(db=db, clock=clock)
    await service.open_account(user_id=USER)
    return service


async def entry_count(db: Database) -> int:
    async with db.read() as tx:
        return (
            await tx.execute(sa.select(sa.func.count()).select_from(ledger_entries))
        ).scalar_one()


async def assert_consistent(db: Database, user_id: int = USER) -> None:
    async with db.read() as tx:
        balance = await ledger.get_balance(tx, user_id)
        sums = await ledger.ledger_sums(tx, user_id)
    assert (balance.available, balance.held) == (sums.available, sums.held)
    assert balance.available >= 0
    assert balance.held >= 0


async def test_credit_with_a_repeated_key_credits_once(billing: Billing, db: Database) -> None:
    first = await billing.credit(
        user_id=USER, amount=10_000, kind=EntryKind.TOPUP, key="tg-charge:a"
    )
    again = await billing.credit(
        user_id=USER, amount=10_000, kind=EntryKind.TOPUP, key="tg-charge:a"
    )

    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.entry.id == first.entry.id
    assert (await billing.balance(user_id=USER)).available == 10_000
    assert await entry_count(db) == 1
    await assert_consistent(db)


async def test_hold_then_capture_spends_the_held_money(billing: Billing, db: Database) -> None:
    await billing.credit(user_id=USER, amount=5_000, kind=EntryKind.TOPUP, key="t1")
    await billing.hold(user_id=USER, amount=2_000, key="job-hold:1", reference="job:1")
    held = await billing.balance(user_id=USER)
    await billing.capture(hold_key="job-hold:1", key="job-capture:1")
    repeat = await billing.capture(hold_key="job-hold:1", key="job-capture:1")

    assert (held.available, held.held) == (3_000, 2_000)
    after = await billing.balance(user_id=USER)
    assert (after.available, after.held) == (3_000, 0)
    assert repeat.duplicate
    await assert_consistent(db)


async def test_release_returns_the_hold(billing: Billing, db: Database) -> None:
    await billing.credit(user_id=USER, amount=5_000, kind=EntryKind.TOPUP, key="t1")
    await billing.hold(user_id=USER, amount=5_000, key="job-hold:2", reference="job:2")
    await billing.release(hold_key="job-hold:2", key="job-release:2")

    after = await billing.balance(user_id=USER)
    assert (after.available, after.held) == (5_000, 0)
    async with db.read() as tx:
        assert await ledger.hold_status(tx, "job-hold:2") is HoldStatus.RELEASED
    await assert_consistent(db)


async def test_settling_a_settled_hold_the_other_way_is_refused(
    billing: Billing, db: Database
) -> None:
    await billing.credit(user_id=USER, amount=1_000, kind=EntryKind.TOPUP, key="t1")
    await billing.hold(user_id=USER, amount=1_000, key="job-hold:3", reference="job:3")
    await billing.capture(hold_key="job-hold:3", key="job-capture:3")

    with pytest.raises(HoldAlreadySettled) as refused:
        await billing.release(hold_key="job-hold:3", key="job-release:3")
    assert refused.value.status == "captured"
    assert (await billing.balance(user_id=USER)).available == 0
    await assert_consistent(db)


async def test_settling_an_unknown_hold_is_refused(billing: Billing, db: Database) -> None:
    with pytest.raises(UnknownHold):
        await billing.capture(hold_key="job-hold:404", key="job-capture:404")
    with pytest.raises(UnknownHold):
        await billing.release(hold_key="job-hold:404", key="job-release:404")
    assert await entry_count(db) == 0


async def test_a_hold_larger_than_the_balance_changes_nothing(
    billing: Billing, db: Database
) -> None:
    await billing.credit(user_id=USER, amount=1_000, kind=EntryKind.TOPUP, key="t1")

    with pytest.raises(InsufficientFunds) as refused:
        await billing.hold(user_id=USER, amount=1_500, key="job-hold:4", reference="job:4")
    assert refused.value.missing == 500
    assert await entry_count(db) == 1
    async with db.read() as tx:
        assert await ledger.hold_status(tx, "job-hold:4") is None
    await assert_consistent(db)


async def test_a_negative_adjustment_cannot_go_below_zero(billing: Billing, db: Database) -> None:
    await billing.credit(user_id=USER, amount=1_000, kind=EntryKind.TOPUP, key="t1")
    with pytest.raises(InsufficientFunds):
        await billing.adjust(user_id=USER, amount=-1_001, key="adm:1", reason="typo")
    result = await billing.adjust(user_id=USER, amount=-400, key="adm:2", reason="goodwill undo")

    assert result.entry.reason == "goodwill undo"
    assert (await billing.balance(user_id=USER)).available == 600
    await assert_consistent(db)


async def test_reusing_a_key_for_another_movement_is_a_bug(billing: Billing) -> None:
    await billing.credit(user_id=USER, amount=1_000, kind=EntryKind.TOPUP, key="k")
    with pytest.raises(IdempotencyConflict):
        await billing.credit(user_id=USER, amount=2_000, kind=EntryKind.TOPUP, key="k")


async def test_money_for_an_unknown_user_is_refused(billing: Billing, db: Database) -> None:
    with pytest.raises(UnknownUser):
        await billing.credit(user_id=999, amount=1_000, kind=EntryKind.TOPUP, key="t-unknown")
    assert await entry_count(db) == 0


async def test_concurrent_repeats_of_one_key_credit_once(billing: Billing, db: Database) -> None:
    results = await asyncio.gather(
        *(
            billing.credit(user_id=USER, amount=700, kind=EntryKind.TOPUP, key="tg-charge:dup")
            for _ in range(8)
        )
    )
    assert sum(not r.duplicate for r in results) == 1
    assert (await billing.balance(user_id=USER)).available == 700
    await assert_consistent(db)


@pytest.mark.postgres
async def test_parallel_holds_on_postgres_never_overspend(pg_url: str, clock: ManualClock) -> None:
    """20 holds of 30 ₽ race on separate connections for a 100 ₽ balance: exactly 3 win."""
    database = Database(pg_url, pool_size=10)
    billing = Billing(db=database, clock=clock)
    user_id = 424242
    try:
        await billing.open_account(user_id=user_id)
        await billing.credit(user_id=user_id, amount=10_000, kind=EntryKind.TOPUP, key="race-topup")

        async def attempt(n: int) -> bool:
            try:
                await billing.hold(
                    user_id=user_id, amount=3_000, key=f"job-hold:r{n}", reference="r"
                )
            except InsufficientFunds:
                return False
            return True

        outcomes = await asyncio.gather(*(attempt(n) for n in range(20)))
        balance = await billing.balance(user_id=user_id)
        assert sum(outcomes) == 3
        assert (balance.available, balance.held) == (1_000, 9_000)
        await assert_consistent(database, user_id)
    finally:
        await database.dispose()
