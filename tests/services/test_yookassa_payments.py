"""Card / SBP top-ups, the use cases on both engines, against the YooKassa simulator through the
real client: a payment credited once however often (and however concurrently) it is re-read,
notifications that name unknown or unpaid payments change nothing, cancelled payments close
their order, lost notifications are caught by the scheduled re-reads, and an unreachable
YooKassa cancels the order before anything could be charged."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import ManualClock
from tests.sandbox.test_yookassa_api import SECRET, SHOP
from trt.domain.errors import InvalidAmount
from trt.domain.money import Kopecks
from trt.domain.payments import PaymentMethod
from trt.domain.yookassa import (
    CardOffer,
    ContactKind,
    ReceiptContact,
    ReceiptSettings,
    payment_body,
)
from trt.sandbox.yookassa import Fault, YooKassaSimulator
from trt.services.accounts import Accounts
from trt.services.metrics import Metrics
from trt.services.topups import ReferralReward
from trt.services.yookassa_payments import (
    CardPayments,
    CardSetup,
    Checkout,
    CheckoutStatus,
    Settlement,
)
from trt.services.yookassa_watch import PaymentWatch
from trt.storage import ledger, payments
from trt.storage.database import Database
from trt.storage.tables import ledger_entries, payment_orders
from trt.yookassa import RetryPolicy, YooKassaClient

PAYER = 4001
CONTACT = ReceiptContact(ContactKind.EMAIL, "payer@example.com")
OFFER = CardOffer(
    packages=(Kopecks(10_000), Kopecks(30_000)),
    min_amount=Kopecks(5_000),
    max_amount=Kopecks(5_000_000),
)
RECEIPT = ReceiptSettings(vat_code=1, payment_mode="full_prepayment", payment_subject="payment")
CHECK_EVERY = timedelta(seconds=30)
QUICK = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, budget=5.0)


@dataclass
class Notices:
    """The chat side: what the users were told."""

    credited: list[tuple[int, str | None, int, int]] = field(default_factory=list)
    cancelled: list[tuple[int, int]] = field(default_factory=list)
    rewards: list[ReferralReward] = field(default_factory=list)


class RecordingNotices:
    """`CardNotifier` that records what it was asked to say."""

    def __init__(self) -> None:
        self.record = Notices()

    async def credited(
        self, *, user_id: int, language: str | None, credited: Kopecks, balance: int
    ) -> None:
        self.record.credited.append((user_id, language, credited, balance))

    async def cancelled(self, *, user_id: int, language: str | None, amount: Kopecks) -> None:
        self.record.cancelled.append((user_id, amount))

    async def referral_rewarded(self, *, reward: ReferralReward) -> None:
        self.record.rewards.append(reward)


@dataclass
class Card:
    db: Database
    clock: ManualClock
    yookassa: YooKassaSimulator
    service: CardPayments
    watch: PaymentWatch
    notices: Notices

    async def ready(self, amount: int = 30_000) -> Checkout:
        checkout = await self.service.start(
            user_id=PAYER, amount=amount, contact=CONTACT, fallback_return_url="https://t.me/b"
        )
        assert checkout.status is CheckoutStatus.READY
        return checkout

    async def payment_id(self, order_id: int) -> str:
        async with self.db.read() as tx:
            found = (
                await tx.execute(
                    sa.select(payment_orders.c.external_id).where(payment_orders.c.id == order_id)
                )
            ).scalar_one()
        assert isinstance(found, str)
        return found

    async def status(self, order_id: int) -> str:
        async with self.db.read() as tx:
            order = await payments.order_by_id(tx, order_id)
        assert order is not None
        return order.status.value

    async def available(self, user_id: int = PAYER) -> int:
        async with self.db.read() as tx:
            return (await ledger.get_balance(tx, user_id)).available

    async def entries(self, prefix: str) -> int:
        query = sa.select(sa.func.count()).where(
            ledger_entries.c.idempotency_key.startswith(prefix)
        )
        async with self.db.read() as tx:
            return int((await tx.execute(query)).scalar_one())


@pytest.fixture
async def card(db: Database, clock: ManualClock) -> AsyncIterator[Card]:
    await Accounts(db=db, clock=clock).touch(
        user_id=PAYER, username=None, first_name="P", default_language="en"
    )
    notices = RecordingNotices()
    async with (
        YooKassaSimulator(shop_id=SHOP, secret_key=SECRET) as yookassa,
        YooKassaClient(
            api_base=yookassa.api_base, shop_id=SHOP, secret_key=SECRET, retry=QUICK
        ) as client,
    ):
        service = CardPayments(
            db=db,
            clock=clock,
            gateway=client,
            notifier=notices,
            setup=CardSetup(
                offer=OFFER, receipt=RECEIPT, return_url=None, referral_bonus=Kopecks(5_000)
            ),
            metrics=Metrics(),
        )
        watch = PaymentWatch(db=db, clock=clock, payments=service, check_every=CHECK_EVERY)
        yield Card(db, clock, yookassa, service, watch, notices.record)
        await watch.close()


async def test_a_paid_payment_is_credited_once_and_the_user_told_once(card: Card) -> None:
    checkout = await card.ready(30_000)
    payment_id = await card.payment_id(checkout.order_id)
    [made] = card.yookassa.payments()
    assert made["id"] == payment_id
    assert made["confirmation"]["return_url"] == "https://t.me/b"
    assert checkout.confirmation_url == made["confirmation"]["confirmation_url"]

    card.yookassa.pay(payment_id)
    assert await card.service.check(payment_id) is Settlement.CREDITED
    assert await card.service.check(payment_id) is Settlement.ALREADY_CREDITED

    assert await card.status(checkout.order_id) == "paid"
    assert await card.available() == 30_000
    assert await card.entries(f"yk:{payment_id}") == 1
    assert card.notices.credited == [(PAYER, "en", 30_000, 30_000)]


async def test_five_concurrent_re_reads_credit_once(card: Card) -> None:
    checkout = await card.ready()
    payment_id = await card.payment_id(checkout.order_id)
    card.yookassa.pay(payment_id)

    outcomes = await asyncio.gather(*(card.service.check(payment_id) for _ in range(5)))

    assert sorted(outcomes) == sorted([Settlement.CREDITED] + [Settlement.ALREADY_CREDITED] * 4)
    assert await card.available() == 30_000
    assert await card.entries("yk:") == 1
    assert len(card.notices.credited) == 1


async def test_an_unknown_payment_changes_nothing_and_costs_no_api_call(card: Card) -> None:
    outcome = await card.service.check("2419a771-000f-5000-9000-1edaf29243f2")

    assert outcome is Settlement.UNKNOWN_PAYMENT
    assert card.yookassa.requests == []
    assert await card.entries("yk:") == 0


async def test_a_payment_the_api_says_is_pending_credits_nothing(card: Card) -> None:
    checkout = await card.ready()
    payment_id = await card.payment_id(checkout.order_id)

    assert await card.service.check(payment_id) is Settlement.WAITING

    assert await card.status(checkout.order_id) == "pending"
    assert await card.available() == 0
    assert card.notices.credited == []


async def test_a_cancelled_payment_closes_its_order_once(card: Card) -> None:
    checkout = await card.ready(10_000)
    payment_id = await card.payment_id(checkout.order_id)
    card.yookassa.cancel(payment_id)

    assert await card.service.check(payment_id) is Settlement.CANCELLED
    assert await card.service.check(payment_id) is Settlement.ALREADY_CLOSED

    assert await card.status(checkout.order_id) == "cancelled"
    assert await card.available() == 0
    assert card.notices.cancelled == [(PAYER, 10_000)]


async def test_a_re_read_that_fails_leaves_the_order_for_later(card: Card) -> None:
    checkout = await card.ready()
    payment_id = await card.payment_id(checkout.order_id)
    card.yookassa.pay(payment_id)
    card.yookassa.inject_fault(Fault(status=503, count=QUICK.max_attempts))

    assert await card.service.check(payment_id) is Settlement.UNREADABLE
    assert await card.status(checkout.order_id) == "pending"
    assert await card.service.check(payment_id) is Settlement.CREDITED


async def test_an_unreachable_yookassa_cancels_the_order_and_charges_nothing(card: Card) -> None:
    card.yookassa.inject_fault(Fault(status=500, count=QUICK.max_attempts))

    checkout = await card.service.start(
        user_id=PAYER, amount=30_000, contact=CONTACT, fallback_return_url="https://t.me/b"
    )

    assert checkout.status is CheckoutStatus.UNAVAILABLE
    assert checkout.confirmation_url is None
    assert await card.status(checkout.order_id) == "cancelled"
    assert card.yookassa.payments() == []


async def test_a_lost_create_answer_is_retried_into_the_same_payment(card: Card) -> None:
    card.yookassa.inject_fault(Fault(status=500, after_processing=True))

    checkout = await card.ready()

    [made] = card.yookassa.payments()
    assert await card.payment_id(checkout.order_id) == made["id"]
    assert made["metadata"] == {"order_id": str(checkout.order_id)}


async def test_an_amount_off_the_offer_is_refused_before_any_order(card: Card) -> None:
    for amount in (4_999, 5_000_001, 0):
        with pytest.raises(InvalidAmount):
            await card.service.start(
                user_id=PAYER, amount=amount, contact=CONTACT, fallback_return_url="https://t.me/b"
            )
    async with card.db.read() as tx:
        count = (await tx.execute(sa.select(sa.func.count()).select_from(payment_orders))).scalar()
    assert count == 0
    assert card.yookassa.payments() == []


async def test_the_receipt_contact_is_kept_once_valid(card: Card) -> None:
    assert await card.service.contact(user_id=PAYER) is None
    assert await card.service.remember_contact(user_id=PAYER, text="not a contact") is None
    assert await card.service.contact(user_id=PAYER) is None

    kept = await card.service.remember_contact(user_id=PAYER, text="8 (912) 345-67-89")

    assert kept == ReceiptContact(ContactKind.PHONE, "79123456789")
    assert await card.service.contact(user_id=PAYER) == kept


async def test_a_lost_notification_is_caught_by_the_scheduled_re_read(card: Card) -> None:
    checkout = await card.ready()
    payment_id = await card.payment_id(checkout.order_id)
    card.yookassa.pay(payment_id)  # no notification URL: the notification is lost

    assert await card.watch.check_due() == 0  # not due yet
    card.clock.advance(seconds=31)
    assert await card.watch.check_due() == 1
    assert await card.watch.check_due() == 0  # settled orders are not re-read

    assert await card.status(checkout.order_id) == "paid"
    assert await card.available() == 30_000
    assert len(card.notices.credited) == 1


async def test_re_reads_back_off_with_the_orders_age(card: Card) -> None:
    checkout = await card.ready()
    card.clock.advance(hours=2)  # an order two hours old is re-read every 10 minutes
    assert await card.watch.check_due() == 1
    card.clock.advance(minutes=9)
    assert await card.watch.check_due() == 0
    card.clock.advance(minutes=2)
    assert await card.watch.check_due() == 1
    assert await card.status(checkout.order_id) == "pending"


async def test_after_a_day_an_order_is_no_longer_re_read_but_a_notification_still_counts(
    card: Card,
) -> None:
    checkout = await card.ready()
    payment_id = await card.payment_id(checkout.order_id)
    card.yookassa.pay(payment_id)
    card.clock.advance(hours=25)

    assert await card.watch.check_due() == 0
    assert await card.status(checkout.order_id) == "pending"
    assert await card.service.check(payment_id) is Settlement.CREDITED


async def test_a_canceled_payment_found_by_the_re_read_closes_the_order(card: Card) -> None:
    checkout = await card.ready()
    card.yookassa.expire(await card.payment_id(checkout.order_id))
    card.clock.advance(hours=3)

    assert await card.watch.check_due() == 1

    assert await card.status(checkout.order_id) == "cancelled"
    assert len(card.notices.cancelled) == 1


async def test_an_order_that_never_got_its_payment_is_cancelled_later(card: Card) -> None:
    async with card.db.transaction() as tx:  # as if the process died right after this step
        orphan = await payments.create_order(
            tx,
            user_id=PAYER,
            method=PaymentMethod.YOOKASSA,
            currency="RUB",
            amount=10_000,
            credit=10_000,
            payload="yookassa:4001:orphan",
            now=card.clock.now(),
        )
    await card.watch.check_due()
    assert await card.status(orphan.id) == "pending"

    card.clock.advance(minutes=11)
    await card.watch.check_due()

    assert await card.status(orphan.id) == "cancelled"


async def test_repeated_wake_ups_re_read_and_credit_once(card: Card) -> None:
    checkout = await card.ready()
    payment_id = await card.payment_id(checkout.order_id)
    card.yookassa.pay(payment_id)

    for _ in range(5):
        card.watch.wake(payment_id)
    for _ in range(200):  # bounded: at most 10 s
        if card.notices.credited:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)

    assert len(card.notices.credited) == 1
    assert await card.entries("yk:") == 1


async def test_a_payment_made_for_another_order_is_not_credited(card: Card) -> None:
    checkout = await card.ready()
    async with YooKassaClient(
        api_base=card.yookassa.api_base, shop_id=SHOP, secret_key=SECRET, retry=QUICK
    ) as client:
        body = payment_body(
            order_id=999,
            amount=Kopecks(30_000),
            contact=CONTACT,
            receipt=RECEIPT,
            return_url="https://t.me/b",
        )
        other = await client.create_payment(body, idempotence_key="someone-else")
    async with card.db.transaction() as tx:  # our order now points at that payment
        await tx.execute(
            sa.update(payment_orders)
            .where(payment_orders.c.id == checkout.order_id)
            .values(external_id=other.id)
        )
    card.yookassa.pay(other.id)

    assert await card.service.check(other.id) is Settlement.MISMATCH

    assert await card.status(checkout.order_id) == "pending"
    assert await card.entries("yk:") == 0
    assert card.notices.credited == []
