"""Stars top-ups: orders, the pre-checkout answer, crediting `successful_payment` exactly once,
and refunds.

Crediting: the order moves pending -> paid (or expired -> paid: the invoice outlived its order,
but Telegram took the money) by compare-and-set and the ledger entry
`tg-charge:<telegram_payment_charge_id>` is written in the SAME transaction, so a repeated
update finds the key taken and changes nothing. Money Telegram did take is always credited,
even for an order that is no longer pending (a second charge of one invoice): the charge id,
not the order, is what may be credited once. The inviter's referral bonus is paid in that
transaction too, under `ref-bonus:<invitee>`, so only the first top-up ever pays it.

Refunds: `refundStarPayment` first, then the order moves paid -> refunded (compare-and-set) and
the ledger takes back what was credited under `tg-refund:<charge id>`, never more than is
available (the balance cannot go negative). An admin's refund is refused up front when the
money was already spent, unless forced; a `refunded_payment` update records the same refund,
and whichever comes second changes nothing. A card order's refund goes to `CardRefunder`
(YooKassa's refunds API), under the same rules.
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import structlog

from trt.domain.errors import InvalidAmount, StaleButtonError
from trt.domain.ledger import (
    EntryKind,
    telegram_charge_key,
    telegram_refund_key,
)
from trt.domain.money import Kopecks
from trt.domain.payments import (
    STARS,
    CheckoutRefusal,
    OrderStatus,
    PaymentMethod,
    PaymentOrder,
    StarsPackage,
    checkout_refusal,
    order_payload,
    stars_to_kopecks,
)
from trt.services.metrics import Metrics
from trt.services.ports import Clock
from trt.services.refunds import RefundOutcome, RefundStatus, take_back
from trt.services.topups import ReferralReward, credit_topup
from trt.storage import ledger, payments, users
from trt.storage.database import Database

log = structlog.get_logger(__name__)

ORDER_ID_DIGITS = 18  # a longer number cannot be an order id (BIGINT); it may be a charge id


class StarRefundRefused(Exception):
    """Telegram would not refund the charge (unknown charge, wrong user…)."""


class StarsGateway(Protocol):
    async def refund(self, *, user_id: int, charge_id: str) -> None:
        """Return the Stars of a charge; one already refunded counts as done.

        Raises StarRefundRefused when Telegram refuses.
        """
        ...


@dataclass(frozen=True, slots=True)
class StarsOffer:
    packages: tuple[StarsPackage, ...]
    custom_min: int
    custom_max: int
    rub_per_star: Decimal


@dataclass(frozen=True, slots=True)
class Completion:
    """What a `successful_payment` did: `duplicate` when it had been credited before."""

    duplicate: bool
    stars: int
    credited: Kopecks
    balance: int
    reward: ReferralReward | None = None


class CardRefunder(Protocol):
    async def refund(self, *, order_id: int, force: bool) -> RefundOutcome:
        """An admin's refund of a paid card order through its payment service."""
        ...


class Payments:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        offer: StarsOffer,
        referral_bonus: Kopecks,
        stars: StarsGateway,
        metrics: Metrics,
        cards: CardRefunder | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.offer = offer
        self._bonus = referral_bonus
        self._stars = stars
        self._metrics = metrics
        self._cards = cards

    async def order_package(self, *, user_id: int, stars: int) -> PaymentOrder:
        """A pending order for one of the configured packages (a stale button raises)."""
        package = next((p for p in self.offer.packages if p.stars == stars), None)
        if package is None:
            raise StaleButtonError(f"no package of {stars} Stars")
        return await self._create(user_id=user_id, stars=stars, credit=package.kopecks)

    async def order_custom(self, *, user_id: int, stars: int) -> PaymentOrder:
        """A pending order for a number of Stars the user chose, at the fixed rate."""
        if not self.offer.custom_min <= stars <= self.offer.custom_max:
            raise InvalidAmount(f"{stars} Stars is outside the allowed range")
        credit = stars_to_kopecks(stars, self.offer.rub_per_star)
        return await self._create(user_id=user_id, stars=stars, credit=credit)

    async def cancel(self, *, order_id: int) -> None:
        """The invoice could not be sent: the order will never be paid."""
        async with self._db.transaction() as tx:
            await payments.mark_cancelled(tx, order_id=order_id, now=self._clock.now())

    async def check_pre_checkout(
        self, *, user_id: int, currency: str, total_amount: int, payload: str
    ) -> CheckoutRefusal | None:
        """The cheap checks before Telegram charges; None means answer ok."""
        async with self._db.read() as tx:
            order = await payments.order_by_payload(tx, payload)
            profile = await users.get_user(tx, user_id)
        refusal = checkout_refusal(
            order,
            user_id=user_id,
            currency=currency,
            total_amount=total_amount,
            banned=profile is not None and profile.is_banned,
        )
        log.info("payment.pre_checkout", order_id=order and order.id, refusal=refusal)
        return refusal

    async def complete(
        self,
        *,
        user_id: int,
        currency: str,
        total_amount: int,
        payload: str,
        telegram_charge_id: str,
        provider_charge_id: str | None,
    ) -> Completion:
        """Credit a `successful_payment` exactly once per Telegram charge id."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            order = await payments.order_by_payload(tx, payload)
            payer = order.user_id if order is not None else user_id
            if order is not None:
                moved = await payments.mark_paid(
                    tx,
                    order_id=order.id,
                    telegram_charge_id=telegram_charge_id,
                    provider_charge_id=provider_charge_id,
                    now=now,
                )
                if not moved:  # Telegram charged an invoice whose order expired: still paid
                    moved = await payments.mark_paid_after_expiry(
                        tx,
                        order_id=order.id,
                        telegram_charge_id=telegram_charge_id,
                        provider_charge_id=provider_charge_id,
                        now=now,
                    )
                if not moved and order.telegram_payment_charge_id != telegram_charge_id:
                    log.warning("payment.extra_charge", order_id=order.id, status=order.status)
            credit = self._credit_for(order, currency=currency, total_amount=total_amount)
            done = await credit_topup(
                tx,
                user_id=payer,
                amount=credit,
                key=telegram_charge_key(telegram_charge_id),
                reference=f"order:{order.id}" if order else None,
                referral_bonus=self._bonus,
                now=now,
            )
        if not done.duplicate:
            self._metrics.ledger_kopecks.labels(EntryKind.TOPUP.value).inc(credit)
        if done.reward is not None:
            self._metrics.ledger_kopecks.labels(EntryKind.BONUS.value).inc(done.reward.amount)
        log.info("payment.completed", credited=credit, duplicate=done.duplicate)
        return Completion(
            duplicate=done.duplicate,
            stars=total_amount,
            credited=done.credited,
            balance=done.balance,
            reward=done.reward,
        )

    async def refund(self, *, reference: str, force: bool) -> RefundOutcome:
        """An admin's refund of an order (by id or Telegram charge id) through Telegram, or of
        a card order through YooKassa."""
        async with self._db.read() as tx:
            order = None
            if reference.isascii() and reference.isdecimal() and len(reference) <= ORDER_ID_DIGITS:
                order = await payments.order_by_id(tx, int(reference))
            order = order or await payments.order_by_charge(tx, reference)
            if order is None:
                return RefundOutcome(RefundStatus.NOT_FOUND)
            available = (await ledger.get_balance(tx, order.user_id)).available
            # read again after the balance: a refund committed in between shows as "refunded",
            # never as a paid order whose money is gone (READ COMMITTED, statement by statement)
            order = await payments.order_by_id(tx, order.id) or order
        if order.method is PaymentMethod.YOOKASSA:
            return await self._card_refund(order, force=force)
        blocker = _refund_blocker(order, available=available, force=force)
        if blocker is not None:
            return blocker
        assert order.telegram_payment_charge_id is not None
        try:
            await self._stars.refund(
                user_id=order.user_id, charge_id=order.telegram_payment_charge_id
            )
        except StarRefundRefused as exc:
            log.warning("payment.refund_refused", order_id=order.id, detail=str(exc))
            return RefundOutcome(RefundStatus.REFUSED, order, detail=str(exc))
        outcome = await self.record_refund(telegram_charge_id=order.telegram_payment_charge_id)
        if outcome.status is RefundStatus.ALREADY_REFUNDED:  # the refunded_payment update won
            return RefundOutcome(
                RefundStatus.REFUNDED,
                outcome.order,
                debited=outcome.debited,
                available=outcome.available,
            )
        return outcome

    async def _card_refund(self, order: PaymentOrder, *, force: bool) -> RefundOutcome:
        if self._cards is None:  # card payments were switched off since it was paid
            return RefundOutcome(RefundStatus.UNREACHABLE, order, detail="YooKassa is off")
        return await self._cards.refund(order_id=order.id, force=force)

    async def record_refund(self, *, telegram_charge_id: str) -> RefundOutcome:
        """Mark the order refunded and take back what is left of its money, once."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            order = await payments.order_by_charge(tx, telegram_charge_id)
            if order is None:
                log.warning("payment.refund_unknown_charge")
                return RefundOutcome(RefundStatus.NOT_FOUND)
            outcome = await take_back(
                tx,
                order=order,
                key=telegram_refund_key(telegram_charge_id),
                reason="stars refund",
                now=now,
            )
        if outcome.recorded_now:
            if outcome.debited < order.credit:
                log.warning(
                    "payment.refund_shortfall",
                    order_id=order.id,
                    missing=order.credit - outcome.debited,
                )
            self._metrics.ledger_kopecks.labels(EntryKind.DEBIT.value).inc(outcome.debited)
            log.info("payment.refunded", order_id=order.id, debited=outcome.debited)
        return outcome

    async def history(self, *, user_id: int, limit: int = 10) -> list[PaymentOrder]:
        """The user's orders worth showing (paid, refunded, rejected, in review), newest first."""
        async with self._db.read() as tx:
            return await payments.history_orders(tx, user_id, limit=limit)

    async def _create(self, *, user_id: int, stars: int, credit: Kopecks) -> PaymentOrder:
        async with self._db.transaction() as tx:
            order = await payments.create_order(
                tx,
                user_id=user_id,
                method=PaymentMethod.STARS,
                currency=STARS,
                amount=stars,
                credit=credit,
                payload=order_payload(user_id, secrets.token_hex(8)),
                now=self._clock.now(),
            )
        log.info("payment.order_created", order_id=order.id, stars=stars, credit=credit)
        return order

    def _credit_for(self, order: PaymentOrder | None, *, currency: str, total_amount: int) -> int:
        """The order's credit; money that does not match an order is credited at the rate."""
        if order is not None and (order.currency, order.amount) == (currency, total_amount):
            return order.credit
        log.error("payment.unmatched", order_id=order and order.id, amount=total_amount)
        return stars_to_kopecks(total_amount, self.offer.rub_per_star)


def _refund_blocker(order: PaymentOrder, *, available: int, force: bool) -> RefundOutcome | None:
    """Why an admin's refund must not reach Telegram, or None when it may."""
    if order.status is OrderStatus.REFUNDED:
        return RefundOutcome(RefundStatus.ALREADY_REFUNDED, order, debited=order.refund_debit or 0)
    if order.status is not OrderStatus.PAID or order.telegram_payment_charge_id is None:
        return RefundOutcome(RefundStatus.NOT_PAID, order)
    if available < order.credit and not force:
        return RefundOutcome(RefundStatus.SPENT, order, available=available)
    return None
