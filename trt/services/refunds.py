"""Taking a refunded top-up's money back, whatever paid for it: the order moves paid -> refunded
and what is left of its credit (never more than the balance holds) is debited under the refund's
own ledger key, in one transaction. A second call finds the order refunded and changes nothing.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.ledger import EntryKind
from trt.domain.payments import OrderStatus, PaymentOrder
from trt.storage import ledger, payments, users


class RefundStatus(StrEnum):
    REFUNDED = "refunded"
    NOT_FOUND = "not-found"
    NOT_PAID = "not-paid"
    ALREADY_REFUNDED = "already-refunded"
    SPENT = "spent"
    REFUSED = "refused"
    CANCELLED = "cancelled"  # YooKassa made the refund, then cancelled it: no money went back
    PENDING = "pending"  # YooKassa is still returning the money; recorded once it succeeds
    UNREACHABLE = "unreachable"  # the payment service could not be asked; nothing changed


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    status: RefundStatus
    order: PaymentOrder | None = None
    debited: int = 0
    available: int = 0
    recorded_now: bool = False  # this call wrote the refund (so it tells the user)
    detail: str = ""
    language: str | None = None  # the paying user's, for telling them
    told: bool = False  # the service told the user itself (card refunds)


async def take_back(
    tx: AsyncConnection, *, order: PaymentOrder, key: str, reason: str, now: datetime
) -> RefundOutcome:
    """Record `order` refunded and debit its money once; `recorded_now` when this call did."""
    balance = await ledger.lock_balance(tx, order.user_id)  # serialises the refund paths
    debit = min(order.credit, balance.available)
    if not await payments.mark_refunded(tx, order_id=order.id, debit=debit, now=now):
        current = await payments.order_by_id(tx, order.id)
        refunded_before = current is not None and current.status is OrderStatus.REFUNDED
        return RefundOutcome(
            RefundStatus.ALREADY_REFUNDED if refunded_before else RefundStatus.NOT_PAID,
            current,
            debited=(current.refund_debit if current else None) or 0,
            available=balance.available,
        )
    if debit > 0:
        await ledger.post(
            tx,
            user_id=order.user_id,
            kind=EntryKind.DEBIT,
            amount=debit,
            key=key,
            now=now,
            reference=f"order:{order.id}",
            reason=reason,
        )
    refunded = await payments.order_by_id(tx, order.id)
    profile = await users.get_user(tx, order.user_id)
    return RefundOutcome(
        RefundStatus.REFUNDED,
        refunded,
        debited=debit,
        available=balance.available - debit,
        recorded_now=True,
        language=profile.language if profile else None,
    )
