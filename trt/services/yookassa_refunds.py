"""Refunds of card / SBP payments through YooKassa's refunds API.

An admin's refund (`Payments.refund` hands card orders here) follows the Stars rules: only a
paid order, and not when the credited money was already spent, unless forced. Then
`POST /v3/refunds` for the whole payment with an Idempotence-Key derived from the order, so a
retried or concurrent request names the same refund and YooKassa never returns the money twice.

Only a refund the API calls `succeeded` is recorded: the order moves paid -> refunded by
compare-and-set and the ledger takes back what is left of its credit (never more than is
available) under `yk-refund:<payment id>`, in ONE transaction; whoever moved the order tells the
user, so they hear it once. A `pending` refund changes nothing yet. It is recorded when a re-read
says it succeeded: the `refund.succeeded` notification names it (`check`), or an admin asks
again (the same key names the same refund, which is then read afresh). A refund YooKassa refuses
or cancels changes nothing. A refund made in YooKassa's dashboard is recorded from its
notification the same way.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol

import structlog

from trt.domain.ledger import EntryKind, yookassa_refund_key
from trt.domain.money import Kopecks
from trt.domain.payments import OrderStatus, PaymentOrder
from trt.domain.yookassa import RUB, ReceiptContact, ReceiptSettings, stored_contact
from trt.domain.yookassa_refunds import (
    YooRefund,
    YooRefundStatus,
    refund_body,
    refund_idempotence_key,
)
from trt.services.metrics import Metrics
from trt.services.ports import Clock
from trt.services.refunds import RefundOutcome, RefundStatus, take_back
from trt.storage import ledger, payments, yookassa_orders
from trt.storage.database import Database
from trt.yookassa.errors import YooKassaAuthError, YooKassaError, YooKassaTransientError

log = structlog.get_logger(__name__)


class RefundGateway(Protocol):
    """YooKassa's refunds API; failures raise `trt.yookassa.errors.YooKassaError`."""

    async def create_refund(
        self, body: Mapping[str, object], *, idempotence_key: str
    ) -> YooRefund: ...

    async def get_refund(self, refund_id: str) -> YooRefund: ...


class RefundNotifier(Protocol):
    """Tells a user their card payment was refunded; never raises for a chat that is gone."""

    async def refunded(
        self, *, user_id: int, language: str | None, amount: Kopecks, debited: int, balance: int
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class _Paid:
    """A card order as a refund needs it."""

    order: PaymentOrder
    payment_id: str | None
    available: int
    contact: ReceiptContact | None


class CardRefunds:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        gateway: RefundGateway,
        notifier: RefundNotifier,
        receipt: ReceiptSettings,
        metrics: Metrics,
    ) -> None:
        self._db = db
        self._clock = clock
        self._gateway = gateway
        self._notifier = notifier
        self._receipt = receipt
        self._metrics = metrics

    async def refund(self, *, order_id: int, force: bool) -> RefundOutcome:
        """An admin's refund of a paid card order: the whole payment back to the card."""
        found = await self._load(order_id)
        if found is None:
            return RefundOutcome(RefundStatus.NOT_FOUND)
        blocker = _blocker(found, force=force)
        if blocker is not None:
            return blocker
        order, payment_id = found.order, found.payment_id
        assert payment_id is not None
        # assumption: the receipt goes to the contact the user has now; had they changed it
        # between two tries of one refund, YooKassa refuses the second (same key, other body)
        body = refund_body(
            order_id=order.id,
            payment_id=payment_id,
            amount=Kopecks(order.amount),
            contact=found.contact,
            receipt=self._receipt,
        )
        try:
            refund = await self._gateway.create_refund(
                body, idempotence_key=refund_idempotence_key(order.id)
            )
        except YooKassaTransientError as error:
            log.warning("yookassa.refund_unreachable", order_id=order.id, error=str(error))
            return RefundOutcome(RefundStatus.UNREACHABLE, order, detail=error.message)
        except YooKassaError as error:
            level = log.error if isinstance(error, YooKassaAuthError) else log.warning
            level("yookassa.refund_refused", order_id=order.id, error=str(error))
            return RefundOutcome(RefundStatus.REFUSED, order, detail=error.message)
        if refund.status is YooRefundStatus.PENDING:
            refund = await self._fresh(refund)  # a repeated create answers its FIRST answer
        return await self._settle(order, payment_id, refund)

    async def check(self, *, payment_id: str, refund_id: str) -> RefundOutcome:
        """Re-read a refund a notification named and record it once it succeeded. Only a paid
        order of ours makes it worth an API call."""
        async with self._db.read() as tx:
            card = await yookassa_orders.order_by_payment(tx, payment_id)
        if card is None or card.status is not OrderStatus.PAID:
            status = card.status if card is not None else None
            log.info("yookassa.refund_notice_ignored", payment_id=payment_id, status=status)
            return RefundOutcome(_ignored(status))
        try:
            refund = await self._gateway.get_refund(refund_id)
        except YooKassaError as error:
            log.warning("yookassa.refund_reread_failed", refund_id=refund_id, error=str(error))
            return RefundOutcome(RefundStatus.UNREACHABLE, detail=error.message)
        if refund.payment_id != payment_id or refund.status is not YooRefundStatus.SUCCEEDED:
            log.info("yookassa.refund_not_done", refund_id=refund_id, status=refund.status)
            return RefundOutcome(RefundStatus.PENDING)
        if refund.amount != card.amount:
            # assumption: only whole refunds are ours; a part refunded in YooKassa's dashboard
            # is left for an admin to settle on the balance by hand
            log.error("yookassa.partial_refund", order_id=card.id, refunded=refund.amount)
            return RefundOutcome(RefundStatus.REFUSED, detail="partial refund")
        return await self._record(order_id=card.id, payment_id=payment_id)

    async def _settle(
        self, order: PaymentOrder, payment_id: str, refund: YooRefund
    ) -> RefundOutcome:
        if (refund.payment_id, refund.amount, refund.currency) != (payment_id, order.amount, RUB):
            log.error("yookassa.refund_mismatch", order_id=order.id, refund_id=refund.id)
            return RefundOutcome(RefundStatus.REFUSED, order, detail="another refund answered")
        match refund.status:
            case YooRefundStatus.SUCCEEDED:
                outcome = await self._record(order_id=order.id, payment_id=payment_id)
                if outcome.status is RefundStatus.ALREADY_REFUNDED:  # the notification won
                    return replace(outcome, status=RefundStatus.REFUNDED)
                return outcome
            case YooRefundStatus.PENDING:
                log.info("yookassa.refund_pending", order_id=order.id, refund_id=refund.id)
                return RefundOutcome(RefundStatus.PENDING, order)
            case _:
                # assumption: YooKassa keeps an Idempotence-Key's answer for 24 hours, so this
                # order's refund can be asked again (a new refund) only after that
                reason = refund.cancellation_reason or ""
                log.warning("yookassa.refund_cancelled", order_id=order.id, reason=reason)
                return RefundOutcome(RefundStatus.CANCELLED, order, detail=reason)

    async def _record(self, *, order_id: int, payment_id: str) -> RefundOutcome:
        """Mark the order refunded and take back what is left of its money, once."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            order = await payments.order_by_id(tx, order_id)
            assert order is not None
            outcome = await take_back(
                tx, order=order, key=yookassa_refund_key(payment_id), reason="card refund", now=now
            )
        if not outcome.recorded_now:
            return outcome
        if outcome.debited < order.credit:
            log.warning(
                "yookassa.refund_shortfall",
                order_id=order.id,
                missing=order.credit - outcome.debited,
            )
        self._metrics.ledger_kopecks.labels(EntryKind.DEBIT.value).inc(outcome.debited)
        log.info(
            "yookassa.refunded", order_id=order.id, payment_id=payment_id, debited=outcome.debited
        )
        await self._notifier.refunded(
            user_id=order.user_id,
            language=outcome.language,
            amount=Kopecks(order.amount),
            debited=outcome.debited,
            balance=outcome.available,
        )
        return replace(outcome, told=True)

    async def _fresh(self, refund: YooRefund) -> YooRefund:
        """The refund as YooKassa has it now; the answer in hand when it cannot be read."""
        try:
            return await self._gateway.get_refund(refund.id)
        except YooKassaError as error:
            log.warning("yookassa.refund_reread_failed", refund_id=refund.id, error=str(error))
            return refund

    async def _load(self, order_id: int) -> _Paid | None:
        async with self._db.read() as tx:
            order = await payments.order_by_id(tx, order_id)
            card = await yookassa_orders.card_order(tx, order_id)
            if order is None or card is None:
                return None
            available = (await ledger.get_balance(tx, order.user_id)).available
            # Each statement sees the latest commit (READ COMMITTED): the order is read again
            # after the balance, so a refund committed in between shows as "refunded", never as
            # a paid order whose money is gone ("spent").
            order = await payments.order_by_id(tx, order_id) or order
            contact = await yookassa_orders.receipt_contact(tx, order.user_id)
        return _Paid(order, card.payment_id, available, stored_contact(contact))


def _blocker(found: _Paid, *, force: bool) -> RefundOutcome | None:
    """Why an admin's refund must not reach YooKassa, or None when it may."""
    order = found.order
    if order.status is OrderStatus.REFUNDED:
        return RefundOutcome(RefundStatus.ALREADY_REFUNDED, order, debited=order.refund_debit or 0)
    if order.status is not OrderStatus.PAID or found.payment_id is None:
        return RefundOutcome(RefundStatus.NOT_PAID, order)
    if found.available < order.credit and not force:
        return RefundOutcome(RefundStatus.SPENT, order, available=found.available)
    return None


def _ignored(status: OrderStatus | None) -> RefundStatus:
    """What a refund notification for an order that is not paid (or not ours) amounts to."""
    if status is None:
        return RefundStatus.NOT_FOUND
    return (
        RefundStatus.ALREADY_REFUNDED if status is OrderStatus.REFUNDED else RefundStatus.NOT_PAID
    )
