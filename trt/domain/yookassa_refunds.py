"""Refunds of card / SBP payments through YooKassa, the pure part: the refund as the API reports
it, the body of `POST /v3/refunds`, and its Idempotence-Key.

A refund is always of the whole payment (an order is paid once and refunded once). Its key is
derived from the order, so however often (or however concurrently) an admin asks, YooKassa
makes one refund and answers every repeat with it.
"""

from dataclasses import dataclass
from enum import StrEnum

from trt.domain.money import Kopecks
from trt.domain.yookassa import (
    DESCRIPTION_MAX,
    ReceiptContact,
    ReceiptSettings,
    fiscal_receipt,
    rub_amount,
)


class YooRefundStatus(StrEnum):
    PENDING = "pending"  # YooKassa is still returning the money
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"  # YooKassa or the bank would not return it


@dataclass(frozen=True, slots=True)
class YooRefund:
    """A refund as YooKassa's API reports it (never as a notification claims)."""

    id: str
    payment_id: str
    status: YooRefundStatus
    amount: Kopecks
    currency: str
    cancellation_reason: str | None = None


def refund_idempotence_key(order_id: int) -> str:
    """One key per order: a repeated or concurrent refund request names the same refund."""
    return f"trt-refund-{order_id}"


def refund_description(order_id: int) -> str:
    return f"Возврат пополнения баланса, заказ №{order_id}"[:DESCRIPTION_MAX]


def refund_body(
    *,
    order_id: int,
    payment_id: str,
    amount: Kopecks,
    contact: ReceiptContact | None,
    receipt: ReceiptSettings,
) -> dict[str, object]:
    """The body of `POST /v3/refunds` for the whole payment, with its 54-FZ refund receipt.

    Without a contact the receipt is left out: for a full refund YooKassa registers the refund
    receipt from the payment's own.
    """
    body: dict[str, object] = {
        "payment_id": payment_id,
        "amount": rub_amount(amount),
        "description": refund_description(order_id),
    }
    if contact is not None:
        body["receipt"] = fiscal_receipt(amount=amount, contact=contact, receipt=receipt)
    return body
