"""Expiring pending orders on both engines: an unpaid Stars invoice or a manual transfer with no
receipt expires after the TTL; a manual one with a receipt and a YooKassa order never do; a pass
is bounded; two workers at once expire each order once; a Stars payment for an expired order is
still credited and a pre-checkout for it is refused."""

import asyncio
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from tests.conftest import ManualClock
from trt.domain.manual_topups import ManualOffer, ReceiptKind
from trt.domain.money import Kopecks
from trt.domain.payments import CheckoutRefusal, PaymentMethod, StarsPackage
from trt.services.accounts import Accounts
from trt.services.manual_topups import ManualTopUps
from trt.services.metrics import Metrics
from trt.services.order_expiry import OrderExpiry
from trt.services.payments import Payments, StarsOffer
from trt.storage import ledger, payments
from trt.storage.database import Database
from trt.storage.tables import payment_orders

USER = 5001
TTL = timedelta(hours=24)
OFFER = StarsOffer(
    packages=(StarsPackage(50, Kopecks(10_000)),),
    custom_min=20,
    custom_max=1000,
    rub_per_star=Decimal(2),
)


class NoStarsRefunds:
    async def refund(self, *, user_id: int, charge_id: str) -> None:
        raise AssertionError("no refund is expected here")


def stars_payments(db: Database, clock: ManualClock) -> Payments:
    return Payments(
        db=db,
        clock=clock,
        offer=OFFER,
        referral_bonus=Kopecks(0),
        stars=NoStarsRefunds(),
        metrics=Metrics(),
    )


def manual_topups(db: Database, clock: ManualClock) -> ManualTopUps:
    return ManualTopUps(
        db=db,
        clock=clock,
        offer=ManualOffer("Card 2200", Kopecks(100), Kopecks(1_000_000)),
        admin_ids=frozenset({5900}),
        referral_bonus=Kopecks(0),
        metrics=Metrics(),
    )


async def statuses(db: Database) -> dict[int, str]:
    async with db.read() as tx:
        rows = await tx.execute(sa.select(payment_orders.c.id, payment_orders.c.status))
        return {row.id: row.status for row in rows}


async def yookassa_order(db: Database, clock: ManualClock) -> int:
    async with db.transaction() as tx:
        order = await payments.create_order(
            tx,
            user_id=USER,
            method=PaymentMethod.YOOKASSA,
            currency="RUB",
            amount=50_000,
            credit=50_000,
            payload="yk-test-order",
            now=clock.now(),
        )
    return order.id


async def test_only_stale_unpaid_orders_without_a_receipt_expire(
    db: Database, clock: ManualClock
) -> None:
    await Accounts(db=db, clock=clock).touch(
        user_id=USER, username=None, first_name="U", default_language="en"
    )
    stars, manual = stars_payments(db, clock), manual_topups(db, clock)
    old_invoice = await stars.order_package(user_id=USER, stars=50)
    old_manual = await manual.order(user_id=USER, amount=50_000)
    in_review = await manual.order(user_id=USER, amount=60_000)
    await manual.attach_receipt(
        user_id=USER, order_id=in_review.id, file_id="photo", kind=ReceiptKind.PHOTO
    )
    card = await yookassa_order(db, clock)
    paid = await stars.order_package(user_id=USER, stars=50)
    await stars.complete(
        user_id=USER,
        currency="XTR",
        total_amount=50,
        payload=paid.payload,
        telegram_charge_id="paid-charge",
        provider_charge_id=None,
    )
    clock.advance(hours=23)
    young = await stars.order_package(user_id=USER, stars=50)
    expiry = OrderExpiry(db=db, clock=clock, ttl=TTL)

    assert await expiry.run_once() == 0
    clock.advance(hours=1, seconds=1)
    assert await expiry.run_once() == 2
    assert await expiry.run_once() == 0
    assert await statuses(db) == {
        old_invoice.id: "expired",
        old_manual.id: "expired",
        in_review.id: "pending",
        card: "pending",
        paid.id: "paid",
        young.id: "pending",
    }
    clock.advance(days=30)
    assert await expiry.run_once() == 1  # the young invoice; the receipt still waits
    assert (await statuses(db))[in_review.id] == "pending"
    assert (await manual.queue())[1] == 1


async def test_a_pass_is_bounded_and_the_rest_waits_for_the_next(
    db: Database, clock: ManualClock
) -> None:
    await Accounts(db=db, clock=clock).touch(
        user_id=USER, username=None, first_name="U", default_language="en"
    )
    stars = stars_payments(db, clock)
    for _ in range(10):
        await stars.order_package(user_id=USER, stars=50)
    clock.advance(hours=25)
    expiry = OrderExpiry(db=db, clock=clock, ttl=TTL, batch=3, max_batches=2)
    assert await expiry.run_once() == 6
    assert await expiry.run_once() == 4
    assert set((await statuses(db)).values()) == {"expired"}


async def test_two_workers_at_once_expire_each_order_once(db: Database, clock: ManualClock) -> None:
    await Accounts(db=db, clock=clock).touch(
        user_id=USER, username=None, first_name="U", default_language="en"
    )
    stars = stars_payments(db, clock)
    for _ in range(40):
        await stars.order_package(user_id=USER, stars=50)
    clock.advance(hours=25)
    workers = [OrderExpiry(db=db, clock=clock, ttl=TTL, batch=5) for _ in range(3)]
    counts = await asyncio.gather(*(worker.run_once() for worker in workers))
    assert sum(counts) == 40
    assert set((await statuses(db)).values()) == {"expired"}


async def test_an_expired_invoice_is_refused_at_checkout_but_a_late_payment_is_credited(
    db: Database, clock: ManualClock
) -> None:
    await Accounts(db=db, clock=clock).touch(
        user_id=USER, username=None, first_name="U", default_language="en"
    )
    stars = stars_payments(db, clock)
    order = await stars.order_package(user_id=USER, stars=50)
    clock.advance(hours=25)
    assert await OrderExpiry(db=db, clock=clock, ttl=TTL).run_once() == 1

    refusal = await stars.check_pre_checkout(
        user_id=USER, currency="XTR", total_amount=50, payload=order.payload
    )
    assert refusal is CheckoutRefusal.EXPIRED

    # Telegram charged the old invoice anyway: the money is credited and the order records it.
    for _ in range(2):
        await stars.complete(
            user_id=USER,
            currency="XTR",
            total_amount=50,
            payload=order.payload,
            telegram_charge_id="late-charge",
            provider_charge_id=None,
        )
    async with db.read() as tx:
        assert (await ledger.get_balance(tx, USER)).available == 10_000
        stored = await payments.order_by_id(tx, order.id)
    assert stored is not None
    assert (stored.status.value, stored.telegram_payment_charge_id) == ("paid", "late-charge")
