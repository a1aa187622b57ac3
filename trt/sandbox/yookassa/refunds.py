"""Refunds as the simulated YooKassa makes them.

`POST /v3/refunds` refunds a `succeeded` payment, never more than is left of it (the paid amount
minus every refund that is not cancelled). A refund succeeds at once, unless a test asked for the
next ones to stay `pending` (until it settles them) or to be `canceled`. A refund that succeeds
adds to its payment's `refunded_amount` and sends the `refund.succeeded` notification.

The Idempotence-Key works as for payments: the same key with the same body gets the FIRST answer
again (so a refund answered `pending` stays `pending` in repeats; `GET /v3/refunds/{id}` is the
current state), another body with a used key is refused. Refund keys are kept apart from
payment keys (assumption: YooKassa scopes a key to the request it came with).
"""

from __future__ import annotations

import copy
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from trt.sandbox.yookassa.errors import invalid
from trt.sandbox.yookassa.payments import KeyUse, PaymentStore, Status, fingerprint
from trt.sandbox.yookassa.validation import check_refund

JsonObject = dict[str, Any]
Notify = Callable[[str, JsonObject], None]
DEFAULT_FAILURE = "insufficient_funds"  # the shop's YooKassa balance cannot cover the refund


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


class RefundNotPending(Exception):
    """Only a pending refund can be settled."""


@dataclass
class Refund:
    id: str
    payment_id: str
    amount: Decimal
    currency: str
    description: str | None
    receipt: JsonObject | None
    status: RefundStatus
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    cancellation: JsonObject | None = None

    def to_json(self) -> JsonObject:
        """The refund object in the API's shape."""
        data: JsonObject = {
            "id": self.id,
            "payment_id": self.payment_id,
            "status": self.status.value,
            "amount": {"value": f"{self.amount:.2f}", "currency": self.currency},
            "created_at": self.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        }
        if self.description is not None:
            data["description"] = self.description
        if self.receipt is not None:
            data["receipt_registration"] = (
                "succeeded" if self.status is RefundStatus.SUCCEEDED else "pending"
            )
        if self.cancellation is not None:
            data["cancellation_details"] = copy.deepcopy(self.cancellation)
        return data


@dataclass(frozen=True, slots=True)
class Plan:
    """What the next refund does instead of succeeding at once."""

    status: RefundStatus
    reason: str = DEFAULT_FAILURE


class RefundDesk:
    def __init__(self, *, payments: PaymentStore, notify: Notify, receipt_required: bool) -> None:
        self._payments = payments
        self._notify = notify
        self._receipt_required = receipt_required
        self._refunds: dict[str, Refund] = {}
        self._keys: dict[str, KeyUse] = {}
        self._plans: deque[Plan] = deque()

    def get(self, refund_id: str) -> Refund | None:
        return self._refunds.get(refund_id)

    def all(self) -> list[Refund]:
        return list(self._refunds.values())

    def plan(self, status: RefundStatus, *, count: int = 1, reason: str = DEFAULT_FAILURE) -> None:
        """The next `count` refunds stay pending, or are cancelled with `reason`."""
        if status is RefundStatus.SUCCEEDED:
            raise ValueError("refunds succeed unless planned otherwise")
        self._plans.extend(Plan(status, reason) for _ in range(count))

    def create(self, body: Any, *, key: str) -> JsonObject:
        """`POST /v3/refunds` with a checked key; raises ApiError like YooKassa."""
        used = self._keys.get(key)
        if used is not None:
            if used.fingerprint != fingerprint(body):
                raise invalid("Idempotence key duplicated", "Idempotence-Key")
            return copy.deepcopy(used.answer)
        payment_id, amount = check_refund(body)
        payment = self._payments.get(payment_id)
        if payment is None:  # assumption: YooKassa names the parameter in a 400
            raise invalid("Payment not found", "payment_id")
        if payment.status is not Status.SUCCEEDED:
            raise invalid("Only a succeeded payment can be refunded", "payment_id")
        if body["amount"]["currency"] != payment.amount["currency"]:
            raise invalid("The refund currency differs from the payment's", "amount.currency")
        paid = Decimal(payment.amount["value"])
        if amount > paid - self.committed(payment_id):
            raise invalid("The refund is larger than what is left of the payment", "amount")
        if self._receipt_required and amount < paid and body.get("receipt") is None:
            # A full refund's receipt is made from the payment's; a partial one needs its own.
            raise invalid("Receipt is missing or illegal", "receipt")
        refund = self._make(body, payment_id=payment_id, amount=amount)
        answer = refund.to_json()
        self._keys[key] = KeyUse(fingerprint(body), refund.id, answer)
        return copy.deepcopy(answer)

    def from_dashboard(self, payment_id: str, *, amount: Decimal | None = None) -> Refund:
        """A refund the shop made in YooKassa's dashboard (the whole payment by default)."""
        payment = self._payments.get(payment_id)
        if payment is None:
            raise KeyError(payment_id)
        if payment.status is not Status.SUCCEEDED:
            raise ValueError("only a succeeded payment can be refunded")
        left = Decimal(payment.amount["value"]) - self.committed(payment_id)
        total = left if amount is None else amount
        if not Decimal(0) < total <= left:
            raise ValueError("nothing (or not that much) is left to refund")
        body = {"amount": {"value": f"{total:.2f}", "currency": payment.amount["currency"]}}
        return self._make(body, payment_id=payment_id, amount=total)

    def settle(self, refund_id: str, status: RefundStatus) -> Refund:
        """A pending refund ends: succeeded (money returned) or canceled."""
        refund = self._refunds.get(refund_id)
        if refund is None:
            raise KeyError(refund_id)
        if refund.status is not RefundStatus.PENDING:
            raise RefundNotPending(f"refund {refund_id} is {refund.status.value}")
        if status is RefundStatus.CANCELED:
            refund.status = status
            refund.cancellation = {"party": "yoo_money", "reason": DEFAULT_FAILURE}
        else:
            self._succeed(refund)
        return refund

    def committed(self, payment_id: str) -> Decimal:
        """What the payment's refunds took or may still take (all but the cancelled ones)."""
        return sum(
            (
                r.amount
                for r in self._refunds.values()
                if r.payment_id == payment_id and r.status is not RefundStatus.CANCELED
            ),
            Decimal(0),
        )

    def _make(self, body: JsonObject, *, payment_id: str, amount: Decimal) -> Refund:
        plan = self._plans.popleft() if self._plans else None
        refund = Refund(
            id=new_refund_id(),
            payment_id=payment_id,
            amount=amount,
            currency=body["amount"]["currency"],
            description=body.get("description"),
            receipt=copy.deepcopy(body.get("receipt")),
            status=RefundStatus.PENDING,
        )
        self._refunds[refund.id] = refund
        if plan is None:
            self._succeed(refund)
        elif plan.status is RefundStatus.CANCELED:
            refund.status = RefundStatus.CANCELED
            refund.cancellation = {"party": "yoo_money", "reason": plan.reason}
        return refund

    def _succeed(self, refund: Refund) -> None:
        payment = self._payments.get(refund.payment_id)
        assert payment is not None
        refund.status = RefundStatus.SUCCEEDED
        payment.refunded += refund.amount
        # assumption: YooKassa notifies every succeeded refund, made by API or dashboard alike
        self._notify("refund.succeeded", refund.to_json())


def new_refund_id() -> str:
    # Shaped like YooKassa's refund ids (216749f7-0016-50be-b000-078d43a63ae4).
    raw = uuid.uuid4().hex
    return f"{raw[:8]}-0016-5000-8000-{raw[20:32]}"
