"""Card / SBP top-ups through YooKassa: the order, the payment link, and settling the order from
what YooKassa's API says.

Starting: the order row (pending, RUB, amount = credit in kopecks) is written first, then the
payment is created with an Idempotence-Key derived from the order id, so a retried create can
never make a second payment. The payment id and its confirmation URL are stored on the order.
When YooKassa cannot be reached (or refuses), the order is cancelled: nothing was charged.

Settling: a notification only names a payment. The order is looked up by that payment id (an
unknown id changes nothing and costs no API call), the payment is re-read through the API, and
only what the API says counts: `succeeded` moves the order pending -> paid by compare-and-set
and credits the ledger under `yk:<payment id>` in the SAME transaction (with the inviter's
first-top-up bonus); `canceled` closes the order. Whoever wrote the ledger entry (or closed
the order) tells the user, so the user hears about it exactly once.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

import structlog

from trt.domain.errors import InvalidAmount
from trt.domain.ledger import EntryKind, yookassa_payment_key
from trt.domain.money import Kopecks
from trt.domain.payments import PaymentMethod
from trt.domain.yookassa import (
    RUB,
    CardOffer,
    ReceiptContact,
    ReceiptSettings,
    Verdict,
    YooPayment,
    YooPaymentStatus,
    idempotence_key,
    parse_contact,
    payment_body,
    stored_contact,
    verdict,
)
from trt.services.metrics import Metrics
from trt.services.ports import Clock
from trt.services.topups import ReferralReward, credit_topup
from trt.storage import payments, users, yookassa_orders
from trt.storage.database import Database
from trt.storage.yookassa_orders import CardOrder
from trt.yookassa.errors import YooKassaAuthError, YooKassaError

log = structlog.get_logger(__name__)

PAYLOAD_PREFIX = "yookassa"


class YooKassaGateway(Protocol):
    """YooKassa's payments API; failures raise `trt.yookassa.errors.YooKassaError`."""

    async def create_payment(
        self, body: Mapping[str, object], *, idempotence_key: str
    ) -> YooPayment: ...

    async def get_payment(self, payment_id: str) -> YooPayment: ...


class CardNotifier(Protocol):
    """Tells people what happened to their money; never raises for a chat that is gone."""

    async def credited(
        self, *, user_id: int, language: str | None, credited: Kopecks, balance: int
    ) -> None: ...

    async def cancelled(self, *, user_id: int, language: str | None, amount: Kopecks) -> None: ...

    async def referral_rewarded(self, *, reward: ReferralReward) -> None: ...


class CheckoutStatus(StrEnum):
    READY = "ready"  # the payment link is there
    UNAVAILABLE = "unavailable"  # YooKassa could not be reached or refused; order cancelled


@dataclass(frozen=True, slots=True)
class Checkout:
    status: CheckoutStatus
    order_id: int
    amount: Kopecks
    confirmation_url: str | None = None


class Settlement(StrEnum):
    """What re-reading a payment did to its order."""

    CREDITED = "credited"
    ALREADY_CREDITED = "already-credited"
    CANCELLED = "cancelled"
    ALREADY_CLOSED = "already-closed"
    WAITING = "waiting"
    UNKNOWN_PAYMENT = "unknown-payment"  # no order of ours names it
    UNREADABLE = "unreadable"  # the API could not be asked; a later re-read will
    MISMATCH = "mismatch"  # the API's payment is not the order's (logged as an error)


@dataclass(frozen=True, slots=True)
class CardSetup:
    offer: CardOffer
    receipt: ReceiptSettings
    return_url: str | None  # None: the caller's fallback (the bot's t.me link)
    referral_bonus: Kopecks


class CardPayments:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        gateway: YooKassaGateway,
        notifier: CardNotifier,
        setup: CardSetup,
        metrics: Metrics,
    ) -> None:
        self._db = db
        self._clock = clock
        self._gateway = gateway
        self._notifier = notifier
        self._setup = setup
        self._metrics = metrics

    @property
    def offer(self) -> CardOffer:
        return self._setup.offer

    async def contact(self, *, user_id: int) -> ReceiptContact | None:
        """The email or phone the user gave for receipts before, if any."""
        async with self._db.read() as tx:
            return stored_contact(await yookassa_orders.receipt_contact(tx, user_id))

    async def remember_contact(self, *, user_id: int, text: str) -> ReceiptContact | None:
        """Parse and keep the user's receipt contact; None (nothing kept) when it is not one."""
        contact = parse_contact(text)
        if contact is not None:
            async with self._db.transaction() as tx:
                await yookassa_orders.set_receipt_contact(
                    tx, user_id=user_id, contact=contact.value
                )
        return contact

    async def start(
        self, *, user_id: int, amount: int, contact: ReceiptContact, fallback_return_url: str
    ) -> Checkout:
        """A pending order and its YooKassa payment link; raises InvalidAmount off the offer."""
        if not self.offer.allows(amount):
            raise InvalidAmount(f"{amount} kopecks is not on the card offer")
        order = await self._create_order(user_id=user_id, amount=Kopecks(amount))
        body = payment_body(
            order_id=order.id,
            amount=order.amount,
            contact=contact,
            receipt=self._setup.receipt,
            return_url=self._setup.return_url or fallback_return_url,
        )
        try:
            payment = await self._gateway.create_payment(
                body, idempotence_key=idempotence_key(order.id)
            )
        except YooKassaError as error:
            level = log.error if isinstance(error, YooKassaAuthError) else log.warning
            level("yookassa.create_failed", order_id=order.id, error=str(error))
            return await self._give_up(order)
        if payment.status is not YooPaymentStatus.PENDING or payment.confirmation_url is None:
            log.warning("yookassa.created_unpayable", order_id=order.id, status=payment.status)
            return await self._give_up(order)
        async with self._db.transaction() as tx:
            attached = await yookassa_orders.attach_payment(
                tx,
                order_id=order.id,
                payment_id=payment.id,
                confirmation_url=payment.confirmation_url,
                now=self._clock.now(),
            )
        if not attached:  # closed meanwhile (unlinked for too long): the link is never shown
            log.error("yookassa.order_closed_before_link", order_id=order.id)
            return Checkout(CheckoutStatus.UNAVAILABLE, order.id, order.amount)
        log.info("yookassa.checkout_ready", order_id=order.id, payment_id=payment.id)
        return Checkout(CheckoutStatus.READY, order.id, order.amount, payment.confirmation_url)

    async def check(self, payment_id: str) -> Settlement:
        """Re-read a payment a notification named and settle its order from the answer."""
        async with self._db.read() as tx:
            order = await yookassa_orders.order_by_payment(tx, payment_id)
        if order is None:
            log.warning("yookassa.unknown_payment", payment_id=payment_id)
            return Settlement.UNKNOWN_PAYMENT
        return await self.check_order(order)

    async def check_order(self, order: CardOrder) -> Settlement:
        assert order.payment_id is not None
        try:
            payment = await self._gateway.get_payment(order.payment_id)
        except YooKassaError as error:
            log.warning("yookassa.reread_failed", order_id=order.id, error=str(error))
            return Settlement.UNREADABLE
        if payment.order_id not in (None, order.id) or payment.currency != RUB:
            log.error("yookassa.payment_mismatch", order_id=order.id, payment_id=payment.id)
            return Settlement.MISMATCH
        match verdict(payment.status):
            case Verdict.CREDIT:
                return await self._credit(order, payment)
            case Verdict.CANCEL:
                return await self._close(order, reason=payment.cancellation_reason)
            case _:
                return Settlement.WAITING

    async def _credit(self, order: CardOrder, payment: YooPayment) -> Settlement:
        credit = order.credit
        if payment.amount != order.amount:  # never seen: we created it with the order's amount
            log.error("yookassa.amount_mismatch", order_id=order.id, paid=payment.amount)
            credit = payment.amount  # what YooKassa took is what the user gets
        now = self._clock.now()
        async with self._db.transaction() as tx:
            moved = await yookassa_orders.mark_paid(tx, order_id=order.id, now=now)
            done = await credit_topup(
                tx,
                user_id=order.user_id,
                amount=credit,
                key=yookassa_payment_key(payment.id),
                reference=f"order:{order.id}",
                referral_bonus=self._setup.referral_bonus,
                now=now,
            )
            profile = await users.get_user(tx, order.user_id)
        if done.duplicate:
            return Settlement.ALREADY_CREDITED
        if not moved:
            log.warning("yookassa.credited_unpending_order", order_id=order.id)
        self._metrics.ledger_kopecks.labels(EntryKind.TOPUP.value).inc(credit)
        log.info("yookassa.credited", order_id=order.id, payment_id=payment.id, credited=credit)
        await self._notifier.credited(
            user_id=order.user_id,
            language=profile.language if profile else None,
            credited=done.credited,
            balance=done.balance,
        )
        if done.reward is not None:
            self._metrics.ledger_kopecks.labels(EntryKind.BONUS.value).inc(done.reward.amount)
            await self._notifier.referral_rewarded(reward=done.reward)
        return Settlement.CREDITED

    async def _close(self, order: CardOrder, *, reason: str | None) -> Settlement:
        async with self._db.transaction() as tx:
            moved = await payments.mark_cancelled(tx, order_id=order.id, now=self._clock.now())
            profile = await users.get_user(tx, order.user_id)
        if not moved:
            return Settlement.ALREADY_CLOSED
        log.info("yookassa.cancelled", order_id=order.id, reason=reason)
        await self._notifier.cancelled(
            user_id=order.user_id,
            language=profile.language if profile else None,
            amount=order.amount,
        )
        return Settlement.CANCELLED

    async def cancel_unlinked(self, *, older_than: timedelta, limit: int) -> int:
        """Close orders that never got a payment (the process died between the two steps):
        the user never saw a link, so nothing can have been paid."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            stale = await yookassa_orders.unlinked_before(tx, before=now - older_than, limit=limit)
            for order_id in stale:
                await payments.mark_cancelled(tx, order_id=order_id, now=now)
        if stale:
            log.warning("yookassa.unlinked_cancelled", orders=stale)
        return len(stale)

    async def _create_order(self, *, user_id: int, amount: Kopecks) -> CardOrder:
        async with self._db.transaction() as tx:
            created = await payments.create_order(
                tx,
                user_id=user_id,
                method=PaymentMethod.YOOKASSA,
                currency=RUB,
                amount=amount,
                credit=amount,
                payload=f"{PAYLOAD_PREFIX}:{user_id}:{secrets.token_hex(8)}",
                now=self._clock.now(),
            )
            order = await yookassa_orders.card_order(tx, created.id)
        assert order is not None
        log.info("yookassa.order_created", order_id=order.id, amount=amount)
        return order

    async def _give_up(self, order: CardOrder) -> Checkout:
        async with self._db.transaction() as tx:
            await payments.mark_cancelled(tx, order_id=order.id, now=self._clock.now())
        return Checkout(CheckoutStatus.UNAVAILABLE, order.id, order.amount)
