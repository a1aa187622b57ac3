"""Admin refunds of card payments, the use cases on both engines, against the YooKassa simulator
through the real client and `Payments.refund` (which hands card orders to YooKassa): a refund
asked twice at once returns the money once and takes it back once; spent money is refused unless
forced; a refund YooKassa refuses, cancels or cannot be asked about changes nothing; a pending
refund is recorded once, when a re-read says it succeeded (its notification, or the admin asking
again); notifications never make an API call for a payment that is not a paid order of ours."""

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import ManualClock
from tests.sandbox.test_yookassa_api import SECRET, SHOP
from tests.services.test_payments import OFFER as OFFER_STARS
from tests.services.test_yookassa_payments import (
    CHECK_EVERY,
    CONTACT,
    OFFER,
    PAYER,
    QUICK,
    RECEIPT,
    RecordingNotices,
)
from trt.domain.money import Kopecks
from trt.sandbox.yookassa import Fault, RefundStatus, YooKassaSimulator
from trt.services.accounts import Accounts
from trt.services.billing import Billing
from trt.services.metrics import Metrics
from trt.services.payments import Payments
from trt.services.refunds import RefundOutcome
from trt.services.refunds import RefundStatus as Outcome
from trt.services.yookassa_payments import CardPayments, CardSetup, CheckoutStatus, Settlement
from trt.services.yookassa_refunds import CardRefunds
from trt.services.yookassa_watch import PaymentWatch
from trt.storage import ledger
from trt.storage.database import Database
from trt.storage.tables import ledger_entries, payment_orders
from trt.yookassa import YooKassaClient

UNKNOWN_ID = "2419a771-000f-5000-9000-1edaf29243f2"


class NoStars:
    """Telegram's refundStarPayment, which a card order must never reach."""

    async def refund(self, *, user_id: int, charge_id: str) -> None:
        raise AssertionError(f"a Stars refund was asked for {charge_id}")


@dataclass
class Refunded:
    """What a user was told about a card refund: (user, language, amount, debited, balance)."""

    told: list[tuple[int, str | None, int, int, int]] = field(default_factory=list)

    async def refunded(
        self, *, user_id: int, language: str | None, amount: Kopecks, debited: int, balance: int
    ) -> None:
        self.told.append((user_id, language, amount, debited, balance))


@dataclass
class Shop:
    db: Database
    yookassa: YooKassaSimulator
    card: CardPayments
    refunds: CardRefunds
    payments: Payments
    watch: PaymentWatch
    users: Refunded

    async def paid_order(self, amount: int = 30_000) -> tuple[int, str]:
        checkout = await self.card.start(
            user_id=PAYER, amount=amount, contact=CONTACT, fallback_return_url="https://t.me/b"
        )
        assert checkout.status is CheckoutStatus.READY
        [payment_id] = [
            p["id"]
            for p in self.yookassa.payments()
            if p["metadata"]["order_id"] == str(checkout.order_id)
        ]
        self.yookassa.pay(payment_id)
        assert await self.card.check(payment_id) is Settlement.CREDITED
        return checkout.order_id, payment_id

    async def refund(self, order_id: int, *, force: bool = False) -> RefundOutcome:
        return await self.payments.refund(reference=str(order_id), force=force)

    async def order(self, order_id: int) -> tuple[str, int | None]:
        query = sa.select(payment_orders.c.status, payment_orders.c.refund_debit).where(
            payment_orders.c.id == order_id
        )
        async with self.db.read() as tx:
            row = (await tx.execute(query)).one()
        return row.status, row.refund_debit

    async def available(self) -> int:
        async with self.db.read() as tx:
            balance = await ledger.get_balance(tx, PAYER)
            assert balance == await ledger.ledger_sums(tx, PAYER)  # the ledger agrees
        return balance.available

    async def refund_entries(self) -> int:
        query = sa.select(sa.func.count()).where(
            ledger_entries.c.idempotency_key.startswith("yk-refund:")
        )
        async with self.db.read() as tx:
            return int((await tx.execute(query)).scalar_one())

    def refund_posts(self) -> int:
        return self.yookassa.requests.count(("POST", "/v3/refunds"))

    def refunded_amount(self, payment_id: str) -> str | None:
        payment = self.yookassa.payment(payment_id)
        assert payment is not None
        refunded = payment.get("refunded_amount")
        return None if refunded is None else str(refunded["value"])


@pytest.fixture
async def shop(db: Database, clock: ManualClock) -> AsyncIterator[Shop]:
    await Accounts(db=db, clock=clock).touch(
        user_id=PAYER, username=None, first_name="P", default_language="en"
    )
    metrics = Metrics()
    users = Refunded()
    async with (
        YooKassaSimulator(shop_id=SHOP, secret_key=SECRET) as yookassa,
        YooKassaClient(
            api_base=yookassa.api_base, shop_id=SHOP, secret_key=SECRET, retry=QUICK
        ) as client,
    ):
        card = CardPayments(
            db=db,
            clock=clock,
            gateway=client,
            notifier=RecordingNotices(),
            setup=CardSetup(
                offer=OFFER, receipt=RECEIPT, return_url=None, referral_bonus=Kopecks(0)
            ),
            metrics=metrics,
        )
        refunds = CardRefunds(
            db=db, clock=clock, gateway=client, notifier=users, receipt=RECEIPT, metrics=metrics
        )
        payments = Payments(
            db=db,
            clock=clock,
            offer=OFFER_STARS,
            referral_bonus=Kopecks(0),
            stars=NoStars(),
            metrics=metrics,
            cards=refunds,
        )
        watch = PaymentWatch(
            db=db, clock=clock, payments=card, check_every=CHECK_EVERY, refunds=refunds
        )
        assert await card.remember_contact(user_id=PAYER, text=CONTACT.value) == CONTACT
        yield Shop(db, yookassa, card, refunds, payments, watch, users)
        await watch.close()


async def eventually(
    condition: Callable[[], Coroutine[Any, Any, bool]], seconds: float = 5
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await condition():
        assert loop.time() < deadline, "the condition never came true"
        await asyncio.sleep(0.02)


async def test_a_refund_asked_twice_at_once_refunds_once_and_tells_the_user_once(
    shop: Shop,
) -> None:
    order_id, payment_id = await shop.paid_order(30_000)

    outcomes = await asyncio.gather(shop.refund(order_id), shop.refund(order_id))

    [first] = [o for o in outcomes if o.recorded_now]
    [second] = [o for o in outcomes if not o.recorded_now]
    assert first.status is Outcome.REFUNDED
    # Usually both pass the checks and the second finds the refund recorded; if the first has
    # committed before the second reads the order, the second is told it was refunded already.
    # Never "spent" (CI once saw that: the order read before the refund, the balance after).
    assert second.status in (Outcome.REFUNDED, Outcome.ALREADY_REFUNDED)
    assert {(o.debited, o.available) for o in outcomes} == {(30_000, 0)}
    assert len(shop.yookassa.refunds.all()) == 1
    assert shop.refunded_amount(payment_id) == "300.00"
    assert await shop.order(order_id) == ("refunded", 30_000)
    assert await shop.available() == 0
    assert await shop.refund_entries() == 1
    assert shop.users.told == [(PAYER, "en", 30_000, 30_000, 0)]
    [made] = shop.yookassa.refunds.all()
    assert made.receipt is not None
    assert made.receipt["customer"] == {"email": CONTACT.value}
    assert made.amount == Decimal("300.00")

    # One POST per ask that passed the checks: two, or one if the second saw the refund first.
    posts = shop.refund_posts()
    assert posts == (2 if second.status is Outcome.REFUNDED else 1)
    again = await shop.refund(order_id, force=True)
    assert (again.status, again.debited) == (Outcome.ALREADY_REFUNDED, 30_000)
    assert shop.refund_posts() == posts  # the third ask never reached YooKassa
    assert len(shop.users.told) == 1


async def test_spent_money_is_refused_unless_forced(shop: Shop, clock: ManualClock) -> None:
    order_id, payment_id = await shop.paid_order(30_000)
    billing = Billing(db=shop.db, clock=clock)
    await billing.debit(user_id=PAYER, amount=20_000, key="test-spend", reason="a generation")

    refused = await shop.refund(order_id)

    assert (refused.status, refused.available) == (Outcome.SPENT, 10_000)
    assert shop.refund_posts() == 0
    assert await shop.order(order_id) == ("paid", None)

    forced = await shop.refund(order_id, force=True)

    assert (forced.status, forced.debited, forced.available, forced.told) == (
        Outcome.REFUNDED,
        10_000,
        0,
        True,
    )
    assert shop.refunded_amount(payment_id) == "300.00"  # the whole payment goes back
    assert await shop.order(order_id) == ("refunded", 10_000)
    assert await shop.available() == 0
    assert shop.users.told == [(PAYER, "en", 30_000, 10_000, 0)]


async def test_a_refund_yookassa_cancels_changes_nothing(shop: Shop) -> None:
    order_id, payment_id = await shop.paid_order()
    shop.yookassa.refunds.plan(RefundStatus.CANCELED, reason="general_decline")

    outcome = await shop.refund(order_id)

    assert (outcome.status, outcome.detail) == (Outcome.CANCELLED, "general_decline")
    await nothing_changed(shop, order_id, payment_id)


async def test_a_refund_yookassa_refuses_changes_nothing(shop: Shop) -> None:
    order_id, payment_id = await shop.paid_order()
    shop.yookassa.inject_fault(Fault(status=400))

    outcome = await shop.refund(order_id)

    assert outcome.status is Outcome.REFUSED
    assert "Simulated failure" in outcome.detail
    assert shop.refund_posts() == 1  # a refusal is not retried
    await nothing_changed(shop, order_id, payment_id)


async def test_yookassa_unreachable_changes_nothing_and_asking_again_refunds_once(
    shop: Shop,
) -> None:
    order_id, payment_id = await shop.paid_order()
    shop.yookassa.inject_fault(Fault(status=503, count=QUICK.max_attempts))

    outcome = await shop.refund(order_id)

    assert outcome.status is Outcome.UNREACHABLE
    await nothing_changed(shop, order_id, payment_id)
    shop.yookassa.inject_fault(Fault(status=500, after_processing=True))  # the answer is lost
    done = await shop.refund(order_id)
    assert (done.status, done.recorded_now) == (Outcome.REFUNDED, True)
    assert len(shop.yookassa.refunds.all()) == 1
    assert await shop.refund_entries() == 1


async def nothing_changed(shop: Shop, order_id: int, payment_id: str) -> None:
    assert await shop.order(order_id) == ("paid", None)
    assert await shop.available() == 30_000
    assert await shop.refund_entries() == 0
    assert shop.refunded_amount(payment_id) is None
    assert shop.users.told == []


async def test_a_pending_refund_is_recorded_once_when_its_notification_comes(shop: Shop) -> None:
    order_id, payment_id = await shop.paid_order()
    shop.yookassa.refunds.plan(RefundStatus.PENDING)

    outcome = await shop.refund(order_id)

    assert outcome.status is Outcome.PENDING
    [refund] = shop.yookassa.refunds.all()
    assert (await shop.refund(order_id)).status is Outcome.PENDING  # asked again: still pending
    await nothing_changed(shop, order_id, payment_id)

    shop.yookassa.refunds.settle(refund.id, RefundStatus.SUCCEEDED)
    for _ in range(3):  # the notification, delivered three times
        shop.watch.wake_refund(payment_id=payment_id, refund_id=refund.id)

    async def recorded() -> bool:
        return await shop.order(order_id) == ("refunded", 30_000)

    await eventually(recorded)
    assert await shop.available() == 0
    assert await shop.refund_entries() == 1
    assert shop.users.told == [(PAYER, "en", 30_000, 30_000, 0)]
    late = await shop.refunds.check(payment_id=payment_id, refund_id=refund.id)
    assert late.status is Outcome.ALREADY_REFUNDED
    assert (await shop.refund(order_id)).status is Outcome.ALREADY_REFUNDED


async def test_a_pending_refund_whose_notification_is_lost_is_recorded_when_asked_again(
    shop: Shop,
) -> None:
    order_id, _ = await shop.paid_order()
    shop.yookassa.refunds.plan(RefundStatus.PENDING)
    assert (await shop.refund(order_id)).status is Outcome.PENDING
    [refund] = shop.yookassa.refunds.all()
    shop.yookassa.refunds.settle(refund.id, RefundStatus.SUCCEEDED)

    done = await shop.refund(order_id)  # YooKassa repeats "pending"; the re-read says succeeded

    assert (done.status, done.recorded_now, done.debited) == (Outcome.REFUNDED, True, 30_000)
    assert len(shop.yookassa.refunds.all()) == 1
    assert await shop.refund_entries() == 1
    assert len(shop.users.told) == 1


async def test_a_dashboard_refund_is_recorded_from_its_notification_and_a_partial_one_is_not(
    shop: Shop,
) -> None:
    order_id, payment_id = await shop.paid_order(30_000)
    partial = shop.yookassa.refunds.from_dashboard(payment_id, amount=Decimal("100.00"))

    ignored = await shop.refunds.check(payment_id=payment_id, refund_id=partial.id)

    assert (ignored.status, ignored.detail) == (Outcome.REFUSED, "partial refund")
    assert await shop.order(order_id) == ("paid", None)
    assert await shop.available() == 30_000
    other_id, other_payment = await shop.paid_order(10_000)
    whole = shop.yookassa.refunds.from_dashboard(other_payment)
    recorded = await shop.refunds.check(payment_id=other_payment, refund_id=whole.id)
    assert (recorded.status, recorded.debited, recorded.available) == (
        Outcome.REFUNDED,
        10_000,
        30_000,
    )
    assert await shop.order(other_id) == ("refunded", 10_000)
    assert shop.users.told == [(PAYER, "en", 10_000, 10_000, 30_000)]


async def test_a_refund_notice_for_a_payment_that_is_not_ours_costs_no_api_call(
    shop: Shop,
) -> None:
    unknown = await shop.refunds.check(payment_id=UNKNOWN_ID, refund_id=UNKNOWN_ID)
    pending = await shop.card.start(
        user_id=PAYER, amount=30_000, contact=CONTACT, fallback_return_url="https://t.me/b"
    )
    [payment] = shop.yookassa.payments()
    unpaid = await shop.refunds.check(payment_id=payment["id"], refund_id=UNKNOWN_ID)

    assert (unknown.status, unpaid.status) == (Outcome.NOT_FOUND, Outcome.NOT_PAID)
    assert not [path for _, path in shop.yookassa.requests if path.startswith("/v3/refunds")]
    assert (await shop.refund(pending.order_id)).status is Outcome.NOT_PAID
    assert shop.refund_posts() == 0
