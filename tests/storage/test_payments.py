"""Payment orders, promo codes and referral links on both engines: compare-and-set moves,
unique charge ids, the guarded uses counter."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import ManualClock
from trt.domain.ledger import EntryKind, promo_key, referral_bonus_key
from trt.domain.payments import OrderStatus, PaymentMethod, PaymentOrder
from trt.storage import ledger, payments, promo, users
from trt.storage.database import Database

USER, OTHER = 2001, 2002


@pytest.fixture
async def accounts(db: Database, clock: ManualClock) -> None:
    async with db.transaction() as tx:
        for user_id in (USER, OTHER):
            await users.ensure_user(tx, user_id=user_id, now=clock.now())


async def new_order(db: Database, clock: ManualClock, *, payload: str) -> PaymentOrder:
    async with db.transaction() as tx:
        return await payments.create_order(
            tx,
            user_id=USER,
            method=PaymentMethod.STARS,
            currency="XTR",
            amount=50,
            credit=10_000,
            payload=payload,
            now=clock.now(),
        )


@pytest.mark.usefixtures("accounts")
async def test_an_order_is_found_by_id_payload_and_charge(db: Database, clock: ManualClock) -> None:
    order = await new_order(db, clock, payload="topup:2001:a")
    assert (order.status, order.amount, order.credit, order.currency) == (
        OrderStatus.PENDING,
        50,
        10_000,
        "XTR",
    )
    async with db.transaction() as tx:
        assert await payments.mark_paid(
            tx,
            order_id=order.id,
            telegram_charge_id="stx1",
            provider_charge_id="p1",
            now=clock.now(),
        )
    async with db.read() as tx:
        by_id = await payments.order_by_id(tx, order.id)
        assert by_id == await payments.order_by_payload(tx, "topup:2001:a")
        assert by_id == await payments.order_by_charge(tx, "stx1")
        assert await payments.order_by_payload(tx, "topup:2001:zzz") is None
    assert by_id is not None
    assert (by_id.status, by_id.telegram_payment_charge_id, by_id.provider_payment_charge_id) == (
        OrderStatus.PAID,
        "stx1",
        "p1",
    )
    assert by_id.paid_at == clock.now()


@pytest.mark.usefixtures("accounts")
async def test_status_moves_are_compare_and_set(db: Database, clock: ManualClock) -> None:
    order = await new_order(db, clock, payload="topup:2001:b")
    async with db.transaction() as tx:
        first = await payments.mark_paid(
            tx,
            order_id=order.id,
            telegram_charge_id="stx2",
            provider_charge_id=None,
            now=clock.now(),
        )
        again = await payments.mark_paid(
            tx,
            order_id=order.id,
            telegram_charge_id="stx3",
            provider_charge_id=None,
            now=clock.now(),
        )
        cancelled = await payments.mark_cancelled(tx, order_id=order.id, now=clock.now())
        refunded = await payments.mark_refunded(tx, order_id=order.id, debit=400, now=clock.now())
        refunded_again = await payments.mark_refunded(
            tx, order_id=order.id, debit=0, now=clock.now()
        )
        final = await payments.order_by_id(tx, order.id)
    assert (first, again, cancelled, refunded, refunded_again) == (True, False, False, True, False)
    assert final is not None
    assert (final.status, final.telegram_payment_charge_id, final.refund_debit) == (
        OrderStatus.REFUNDED,
        "stx2",
        400,
    )


@pytest.mark.usefixtures("accounts")
async def test_a_charge_id_belongs_to_one_order(db: Database, clock: ManualClock) -> None:
    first = await new_order(db, clock, payload="topup:2001:c")
    second = await new_order(db, clock, payload="topup:2001:d")
    async with db.transaction() as tx:
        await payments.mark_paid(
            tx,
            order_id=first.id,
            telegram_charge_id="stx4",
            provider_charge_id=None,
            now=clock.now(),
        )
    with pytest.raises(sa.exc.IntegrityError):
        async with db.transaction() as tx:
            await payments.mark_paid(
                tx,
                order_id=second.id,
                telegram_charge_id="stx4",
                provider_charge_id=None,
                now=clock.now(),
            )


@pytest.mark.usefixtures("accounts")
async def test_settled_orders_are_the_paid_and_refunded_ones_newest_first(
    db: Database, clock: ManualClock
) -> None:
    orders = [await new_order(db, clock, payload=f"topup:2001:{n}") for n in range(4)]
    async with db.transaction() as tx:
        for n in (0, 1, 3):
            await payments.mark_paid(
                tx,
                order_id=orders[n].id,
                telegram_charge_id=f"c{n}",
                provider_charge_id=None,
                now=clock.now(),
            )
        await payments.mark_refunded(tx, order_id=orders[1].id, debit=10_000, now=clock.now())
        listed = await payments.settled_orders(tx, USER, limit=10)
        limited = await payments.settled_orders(tx, USER, limit=1)
    assert [o.id for o in listed] == [orders[3].id, orders[1].id, orders[0].id]
    assert [o.id for o in limited] == [orders[3].id]


@pytest.mark.usefixtures("accounts")
async def test_promo_uses_grow_only_up_to_the_limit_and_before_expiry(
    db: Database, clock: ManualClock
) -> None:
    async with db.transaction() as tx:
        created = await promo.create(
            tx,
            code="SPRING",
            amount=3000,
            max_uses=2,
            expires_at=clock.now() + timedelta(days=1),
            created_by=USER,
            now=clock.now(),
        )
        duplicate = await promo.create(
            tx,
            code="SPRING",
            amount=1,
            max_uses=9,
            expires_at=None,
            created_by=USER,
            now=clock.now(),
        )
        takes = [await promo.take_use(tx, code="SPRING", now=clock.now()) for _ in range(3)]
        stored = await promo.get(tx, "SPRING")
    assert (created, duplicate, takes) == (True, False, [True, True, False])
    assert stored is not None
    assert (stored.amount, stored.max_uses, stored.uses) == (3000, 2, 2)

    async with db.transaction() as tx:
        await promo.create(
            tx,
            code="OLD",
            amount=100,
            max_uses=5,
            expires_at=clock.now(),
            created_by=USER,
            now=clock.now(),
        )
        assert not await promo.take_use(tx, code="OLD", now=clock.now())
        assert not await promo.take_use(tx, code="NOPE", now=clock.now())


@pytest.mark.usefixtures("accounts")
async def test_the_database_refuses_uses_beyond_the_limit(db: Database, clock: ManualClock) -> None:
    async with db.transaction() as tx:
        await promo.create(
            tx,
            code="ONE",
            amount=100,
            max_uses=1,
            expires_at=None,
            created_by=USER,
            now=clock.now(),
        )
    with pytest.raises(sa.exc.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute(sa.text("UPDATE promo_codes SET uses = 2 WHERE code = 'ONE'"))


@pytest.mark.usefixtures("accounts")
async def test_a_referrer_is_set_once_and_chains_are_walked(
    db: Database, clock: ManualClock
) -> None:
    async with db.transaction() as tx:
        await users.ensure_user(tx, user_id=2003, now=clock.now())
        linked = await payments.set_referrer(tx, user_id=OTHER, referrer_id=USER)
        relinked = await payments.set_referrer(tx, user_id=OTHER, referrer_id=2003)
        await payments.set_referrer(tx, user_id=2003, referrer_id=OTHER)
        chain = await payments.referral_chain(tx, 2003)
        invited = await payments.invited_count(tx, USER)
    assert (linked, relinked) == (True, False)
    assert chain == [OTHER, USER]
    assert invited == 1


async def test_first_contact_lasts_until_the_user_is_seen_again(
    db: Database, clock: ManualClock
) -> None:
    async with db.transaction() as tx:
        await users.ensure_user(tx, user_id=USER, now=clock.now())
        first = await payments.first_contact(tx, USER)
    clock.advance(seconds=1)
    async with db.transaction() as tx:
        await users.ensure_user(tx, user_id=USER, now=clock.now())
        later = await payments.first_contact(tx, USER)
        unknown = await payments.first_contact(tx, 999)
    assert (first, later, unknown) == (True, False, False)


@pytest.mark.usefixtures("accounts")
async def test_referral_earnings_count_only_referral_bonuses(
    db: Database, clock: ManualClock
) -> None:
    async with db.transaction() as tx:
        for key, amount in ((referral_bonus_key(OTHER), 5000), (promo_key("X", USER), 700)):
            await ledger.post(
                tx, user_id=USER, kind=EntryKind.BONUS, amount=amount, key=key, now=clock.now()
            )
        earned = await payments.referral_earnings(tx, USER)
        nothing = await payments.referral_earnings(tx, OTHER)
    assert (earned, nothing) == (5000, 0)
