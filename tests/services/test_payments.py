"""Money in, the use cases on both engines: top-ups credited once per charge, pre-checkout
refusals, refunds that never double-debit, referral bonuses paid once, promo codes that never
exceed their uses even under concurrent redemptions."""

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.conftest import ManualClock
from trt.domain.errors import InvalidAmount, StaleButtonError
from trt.domain.ledger import EntryKind
from trt.domain.money import Kopecks
from trt.domain.payments import (
    CheckoutRefusal,
    OrderStatus,
    PaymentOrder,
    PromoRefusal,
    PromoSpec,
    StarsPackage,
)
from trt.services.accounts import Accounts
from trt.services.billing import Billing
from trt.services.metrics import Metrics
from trt.services.payments import (
    Payments,
    RefundStatus,
    StarRefundRefused,
    StarsOffer,
)
from trt.services.promo import Promos
from trt.services.referrals import LinkOutcome, Referrals
from trt.storage import ledger
from trt.storage.database import Database
from trt.storage.tables import ledger_entries, payment_orders, users

BONUS = Kopecks(5_000)
OFFER = StarsOffer(
    packages=(StarsPackage(50, Kopecks(10_000)), StarsPackage(100, Kopecks(21_000))),
    custom_min=20,
    custom_max=1000,
    rub_per_star=Decimal(2),
)
PAYER, INVITER = 3001, 3002


@dataclass
class TelegramStarsSide:
    """Telegram's end of refundStarPayment: records the calls, refuses when told to."""

    refunds: list[tuple[int, str]] = field(default_factory=list)
    refuse_with: str | None = None

    async def refund(self, *, user_id: int, charge_id: str) -> None:
        if self.refuse_with is not None:
            raise StarRefundRefused(self.refuse_with)
        self.refunds.append((user_id, charge_id))


@dataclass
class Money:
    db: Database
    clock: ManualClock
    payments: Payments
    referrals: Referrals
    promos: Promos
    accounts: Accounts
    stars: TelegramStarsSide

    async def user(self, user_id: int, language: str = "ru") -> None:
        await self.accounts.touch(
            user_id=user_id, username=None, first_name="U", default_language=language
        )

    async def pay(self, order: PaymentOrder, charge: str) -> bool:
        done = await self.payments.complete(
            user_id=order.user_id,
            currency=order.currency,
            total_amount=order.amount,
            payload=order.payload,
            telegram_charge_id=charge,
            provider_charge_id=f"prov-{charge}",
        )
        return done.duplicate

    async def available(self, user_id: int) -> int:
        async with self.db.read() as tx:
            return (await ledger.get_balance(tx, user_id)).available

    async def entries(self, prefix: str) -> int:
        query = sa.select(sa.func.count()).where(
            ledger_entries.c.idempotency_key.startswith(prefix)
        )
        async with self.db.read() as tx:
            return int((await tx.execute(query)).scalar_one())

    async def order(self, order_id: int) -> tuple[str, str | None, int | None]:
        query = sa.select(
            payment_orders.c.status,
            payment_orders.c.telegram_payment_charge_id,
            payment_orders.c.refund_debit,
        ).where(payment_orders.c.id == order_id)
        async with self.db.read() as tx:
            row = (await tx.execute(query)).one()
        return row.status, row.telegram_payment_charge_id, row.refund_debit


@pytest.fixture
async def money(db: Database, clock: ManualClock) -> Money:
    stars = TelegramStarsSide()
    metrics = Metrics()
    result = Money(
        db=db,
        clock=clock,
        payments=Payments(
            db=db, clock=clock, offer=OFFER, referral_bonus=BONUS, stars=stars, metrics=metrics
        ),
        referrals=Referrals(db=db, clock=clock, bonus=BONUS),
        promos=Promos(db=db, clock=clock, metrics=metrics),
        accounts=Accounts(db=db, clock=clock),
        stars=stars,
    )
    await result.user(PAYER)
    return result


async def test_a_successful_payment_is_credited_once_per_charge(money: Money) -> None:
    order = await money.payments.order_package(user_id=PAYER, stars=50)
    assert (order.amount, order.credit, order.status) == (50, 10_000, OrderStatus.PENDING)

    first = await money.payments.complete(
        user_id=PAYER,
        currency="XTR",
        total_amount=50,
        payload=order.payload,
        telegram_charge_id="stxA",
        provider_charge_id="provA",
    )
    assert (first.duplicate, first.credited, first.balance, first.stars) == (
        False,
        10_000,
        10_000,
        50,
    )
    assert await money.pay(order, "stxA") is True

    assert await money.available(PAYER) == 10_000
    assert await money.entries("tg-charge:") == 1
    assert await money.order(order.id) == ("paid", "stxA", None)


async def test_concurrent_deliveries_of_one_payment_credit_once(money: Money) -> None:
    order = await money.payments.order_package(user_id=PAYER, stars=100)
    duplicates = await asyncio.gather(*(money.pay(order, "stxSame") for _ in range(6)))
    assert sorted(duplicates) == [False] + [True] * 5
    assert await money.available(PAYER) == 21_000


async def test_money_taken_for_an_order_already_paid_is_still_credited_once(money: Money) -> None:
    order = await money.payments.order_package(user_id=PAYER, stars=50)
    await money.pay(order, "stxFirst")
    assert await money.pay(order, "stxSecond") is False
    assert await money.pay(order, "stxSecond") is True
    assert await money.available(PAYER) == 20_000
    assert await money.order(order.id) == ("paid", "stxFirst", None)


async def test_a_package_that_is_not_offered_is_a_stale_button(money: Money) -> None:
    with pytest.raises(StaleButtonError):
        await money.payments.order_package(user_id=PAYER, stars=51)


async def test_a_custom_amount_uses_the_rate_within_the_limits(money: Money) -> None:
    order = await money.payments.order_custom(user_id=PAYER, stars=75)
    assert (order.amount, order.credit) == (75, 15_000)
    for stars in (19, 1001):
        with pytest.raises(InvalidAmount):
            await money.payments.order_custom(user_id=PAYER, stars=stars)


async def test_pre_checkout_refuses_anything_but_the_pending_order_as_issued(money: Money) -> None:
    await money.user(INVITER)
    order = await money.payments.order_package(user_id=PAYER, stars=50)
    paid = await money.payments.order_package(user_id=PAYER, stars=100)
    await money.pay(paid, "stxPaid")

    async def check(**changes: object) -> CheckoutRefusal | None:
        query: dict[str, object] = {
            "user_id": PAYER,
            "currency": "XTR",
            "total_amount": 50,
            "payload": order.payload,
        }
        return await money.payments.check_pre_checkout(**(query | changes))  # type: ignore[arg-type]

    assert await check() is None
    assert await check(payload="topup:3001:forged") is CheckoutRefusal.UNKNOWN_ORDER
    assert await check(payload="garbage") is CheckoutRefusal.UNKNOWN_ORDER
    assert await check(user_id=INVITER) is CheckoutRefusal.WRONG_USER
    assert await check(total_amount=1) is CheckoutRefusal.WRONG_AMOUNT
    assert await check(currency="RUB") is CheckoutRefusal.WRONG_AMOUNT
    assert await check(payload=paid.payload, total_amount=100) is CheckoutRefusal.NOT_PENDING
    async with money.db.transaction() as tx:
        await tx.execute(sa.update(users).where(users.c.id == PAYER).values(is_banned=True))
    assert await check() is CheckoutRefusal.BANNED


async def test_a_cancelled_order_cannot_be_paid(money: Money) -> None:
    order = await money.payments.order_package(user_id=PAYER, stars=50)
    await money.payments.cancel(order_id=order.id)
    refusal = await money.payments.check_pre_checkout(
        user_id=PAYER, currency="XTR", total_amount=50, payload=order.payload
    )
    assert refusal is CheckoutRefusal.NOT_PENDING


async def test_the_inviter_is_rewarded_once_for_the_first_top_up(money: Money) -> None:
    await money.user(INVITER, language="en")
    await money.user(PAYER + 100)
    assert await money.referrals.link(user_id=PAYER + 100, inviter_id=INVITER) is LinkOutcome.LINKED
    rewards = []
    for charge, stars in (("stxR1", 50), ("stxR2", 100)):
        order = await money.payments.order_package(user_id=PAYER + 100, stars=stars)
        done = await money.payments.complete(
            user_id=PAYER + 100,
            currency="XTR",
            total_amount=stars,
            payload=order.payload,
            telegram_charge_id=charge,
            provider_charge_id=None,
        )
        rewards.append(done.reward)
    assert rewards[1] is None
    assert rewards[0] is not None
    assert (rewards[0].inviter_id, rewards[0].amount, rewards[0].language) == (INVITER, BONUS, "en")
    assert await money.available(INVITER) == BONUS
    stats = await money.referrals.stats(user_id=INVITER)
    assert (stats.invited, stats.earned, stats.bonus) == (1, BONUS, BONUS)


async def test_a_top_up_without_an_inviter_pays_no_bonus(money: Money) -> None:
    order = await money.payments.order_package(user_id=PAYER, stars=50)
    done = await money.payments.complete(
        user_id=PAYER,
        currency="XTR",
        total_amount=50,
        payload=order.payload,
        telegram_charge_id="stxN",
        provider_charge_id=None,
    )
    assert done.reward is None
    assert await money.entries("ref-bonus:") == 0


async def test_referral_links_are_refused_for_self_strangers_old_users_and_cycles(
    money: Money,
) -> None:
    newcomer, other = 3101, 3102
    await money.user(INVITER)
    await money.user(newcomer)
    await money.user(other)
    link = money.referrals.link
    assert await link(user_id=newcomer, inviter_id=newcomer) is LinkOutcome.SELF
    assert await link(user_id=newcomer, inviter_id=999_999) is LinkOutcome.UNKNOWN_INVITER
    assert await link(user_id=other, inviter_id=newcomer) is LinkOutcome.LINKED
    assert await link(user_id=newcomer, inviter_id=other) is LinkOutcome.CYCLE
    assert await link(user_id=other, inviter_id=INVITER) is LinkOutcome.NOT_NEW  # has one
    money.clock.advance(seconds=5)
    await money.user(newcomer)  # seen again: no longer a new user
    assert await link(user_id=newcomer, inviter_id=INVITER) is LinkOutcome.NOT_NEW
    assert (await money.referrals.stats(user_id=INVITER)).invited == 0


async def test_a_refund_of_spent_money_is_refused_unless_forced(money: Money) -> None:
    order = await money.payments.order_package(user_id=PAYER, stars=50)
    await money.pay(order, "stxSpent")
    billing = Billing(db=money.db, clock=money.clock)
    await billing.debit(user_id=PAYER, amount=6_000, key="test-spend", reason="a generation")

    refused = await money.payments.refund(reference=str(order.id), force=False)
    assert (refused.status, refused.available) == (RefundStatus.SPENT, 4_000)
    assert money.stars.refunds == []

    forced = await money.payments.refund(reference=str(order.id), force=True)
    assert (forced.status, forced.debited, forced.available, forced.recorded_now) == (
        RefundStatus.REFUNDED,
        4_000,
        0,
        True,
    )
    assert money.stars.refunds == [(PAYER, "stxSpent")]
    assert await money.order(order.id) == ("refunded", "stxSpent", 4_000)

    again = await money.payments.refund(reference=str(order.id), force=True)
    assert (again.status, again.debited) == (RefundStatus.ALREADY_REFUNDED, 4_000)
    assert len(money.stars.refunds) == 1


async def test_the_refunded_payment_update_and_the_admin_refund_debit_once(money: Money) -> None:
    order = await money.payments.order_package(user_id=PAYER, stars=50)
    await money.pay(order, "stxBoth")
    outcomes = await asyncio.gather(
        money.payments.refund(reference="stxBoth", force=False),
        money.payments.record_refund(telegram_charge_id="stxBoth"),
    )
    assert {o.status for o in outcomes} <= {RefundStatus.REFUNDED, RefundStatus.ALREADY_REFUNDED}
    assert sum(o.recorded_now for o in outcomes) == 1
    assert await money.available(PAYER) == 0
    assert await money.entries("tg-refund:") == 1
    async with money.db.read() as tx:
        sums = await ledger.ledger_sums(tx, PAYER)
    assert sums.available == 0


async def test_a_refund_telegram_refuses_changes_nothing(money: Money) -> None:
    order = await money.payments.order_package(user_id=PAYER, stars=50)
    await money.pay(order, "stxNo")
    money.stars.refuse_with = "CHARGE_NOT_FOUND"
    outcome = await money.payments.refund(reference=str(order.id), force=False)
    assert (outcome.status, outcome.detail) == (RefundStatus.REFUSED, "CHARGE_NOT_FOUND")
    assert await money.order(order.id) == ("paid", "stxNo", None)
    assert await money.available(PAYER) == 10_000


async def test_refunds_of_unknown_or_unpaid_orders_are_refused(money: Money) -> None:
    pending = await money.payments.order_package(user_id=PAYER, stars=50)
    assert (await money.payments.refund(reference="424242", force=False)).status is (
        RefundStatus.NOT_FOUND
    )
    assert (await money.payments.refund(reference="stxNone", force=False)).status is (
        RefundStatus.NOT_FOUND
    )
    assert (await money.payments.refund(reference=str(pending.id), force=True)).status is (
        RefundStatus.NOT_PAID
    )
    assert (await money.payments.record_refund(telegram_charge_id="stxNone")).status is (
        RefundStatus.NOT_FOUND
    )


async def test_concurrent_redemptions_never_exceed_the_uses(money: Money) -> None:
    spec = PromoSpec(code="RUSH", amount=Kopecks(1_000), max_uses=7, days_valid=None)
    assert await money.promos.create(spec=spec, admin_id=INVITER) is not None
    redeemers = range(4000, 4040)
    for user_id in redeemers:
        await money.user(user_id)

    results = await asyncio.gather(
        *(money.promos.redeem(user_id=user_id, raw_code="rush") for user_id in redeemers)
    )

    credited = [r for r in results if r.refusal is None]
    assert len(credited) == 7
    assert {r.refusal for r in results if r.refusal is not None} == {PromoRefusal.USED_UP}
    async with money.db.read() as tx:
        uses = (await tx.execute(sa.text("SELECT uses FROM promo_codes"))).scalar_one()
        bonus_total = (
            await tx.execute(
                sa.select(sa.func.sum(ledger_entries.c.available_delta)).where(
                    ledger_entries.c.kind == EntryKind.BONUS.value
                )
            )
        ).scalar_one()
    assert (uses, bonus_total) == (7, 7_000)


async def test_a_code_is_used_once_per_user_and_not_after_expiry(money: Money) -> None:
    spec = PromoSpec(code="WEEK", amount=Kopecks(3_000), max_uses=10, days_valid=7)
    created = await money.promos.create(spec=spec, admin_id=INVITER)
    assert created is not None
    assert created.expires_at == money.clock.now() + timedelta(days=7)
    assert await money.promos.create(spec=spec, admin_id=INVITER) is None

    first = await money.promos.redeem(user_id=PAYER, raw_code=" week ")
    assert (first.refusal, first.amount, first.balance) == (None, 3_000, 3_000)
    again = await money.promos.redeem(user_id=PAYER, raw_code="WEEK")
    assert again.refusal is PromoRefusal.ALREADY_USED
    assert (await money.promos.redeem(user_id=PAYER, raw_code="NOPE")).refusal is (
        PromoRefusal.UNKNOWN
    )
    assert (await money.promos.redeem(user_id=PAYER, raw_code="x")).refusal is PromoRefusal.INVALID

    money.clock.advance(days=7)
    await money.user(INVITER)
    late = await money.promos.redeem(user_id=INVITER, raw_code="WEEK")
    assert late.refusal is PromoRefusal.EXPIRED
    assert await money.available(INVITER) == 0
    assert await money.available(PAYER) == 3_000
