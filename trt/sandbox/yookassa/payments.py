"""Payments as the simulated YooKassa keeps them, and the idempotence keys that made them.

A key names the first request made with it: the same key with the same body gets that
request's answer again; with another body it is refused (YooKassa's "idempotence key
duplicated"). The simulator keeps keys for its whole life (YooKassa: 24 hours).
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

JsonObject = dict[str, Any]


class Status(StrEnum):
    PENDING = "pending"
    WAITING_FOR_CAPTURE = "waiting_for_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


class PaymentNotPending(Exception):
    """Only a pending payment can be paid or cancelled."""


@dataclass
class Payment:
    id: str
    amount: JsonObject
    description: str | None
    metadata: JsonObject
    receipt: JsonObject | None
    return_url: str
    confirmation_url: str
    capture: bool  # False: a paid payment waits for the shop's capture
    shop_id: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: Status = Status.PENDING
    captured_at: datetime | None = None
    cancellation: JsonObject | None = None
    refunded: Decimal = Decimal(0)  # what its succeeded refunds returned

    def to_json(self) -> JsonObject:
        """The payment object in the API's shape."""
        data: JsonObject = {
            "id": self.id,
            "status": self.status.value,
            "paid": self.status in (Status.SUCCEEDED, Status.WAITING_FOR_CAPTURE),
            "amount": copy.deepcopy(self.amount),
            "created_at": _iso(self.created_at),
            "metadata": copy.deepcopy(self.metadata),
            "recipient": {"account_id": self.shop_id, "gateway_id": f"{self.shop_id}-gw"},
            "refundable": self.status is Status.SUCCEEDED
            and self.refunded < Decimal(self.amount["value"]),
            "test": True,
        }
        if self.description is not None:
            data["description"] = self.description
        if self.status is Status.PENDING:
            data["confirmation"] = {
                "type": "redirect",
                "return_url": self.return_url,
                "confirmation_url": self.confirmation_url,
            }
        if self.status is Status.SUCCEEDED:
            data["captured_at"] = _iso(self.captured_at or self.created_at)
            data["income_amount"] = copy.deepcopy(self.amount)
            data["payment_method"] = {
                "type": "bank_card",
                "id": self.id,
                "saved": False,
                "title": "Bank card *4444",
            }
        if self.receipt is not None:
            data["receipt_registration"] = (
                "succeeded" if self.status is Status.SUCCEEDED else "pending"
            )
        if self.cancellation is not None:
            data["cancellation_details"] = copy.deepcopy(self.cancellation)
        if self.refunded > 0:
            currency = self.amount["currency"]
            data["refunded_amount"] = {"value": f"{self.refunded:.2f}", "currency": currency}
        return data


@dataclass(frozen=True, slots=True)
class KeyUse:
    fingerprint: str
    payment_id: str
    answer: JsonObject


class PaymentStore:
    def __init__(self) -> None:
        self._payments: dict[str, Payment] = {}
        self._keys: dict[str, KeyUse] = {}

    def get(self, payment_id: str) -> Payment | None:
        return self._payments.get(payment_id)

    def all(self) -> list[Payment]:
        return list(self._payments.values())

    def key_use(self, key: str) -> KeyUse | None:
        return self._keys.get(key)

    def add(self, payment: Payment, *, key: str, body: JsonObject) -> JsonObject:
        """Store a new payment under its idempotence key; returns the answer to repeat."""
        self._payments[payment.id] = payment
        answer = payment.to_json()
        self._keys[key] = KeyUse(fingerprint(body), payment.id, answer)
        return copy.deepcopy(answer)

    def settle(
        self, payment_id: str, status: Status, *, reason: JsonObject | None = None
    ) -> Payment:
        payment = self._payments.get(payment_id)
        if payment is None:
            raise KeyError(payment_id)
        if payment.status is not Status.PENDING:
            raise PaymentNotPending(f"payment {payment_id} is {payment.status.value}")
        payment.status = status
        if status is Status.SUCCEEDED:
            payment.captured_at = datetime.now(UTC)
        payment.cancellation = reason
        return payment


def new_payment_id() -> str:
    # Shaped like YooKassa's ids (2419a771-000f-5000-9000-1edaf29243f2).
    raw = uuid.uuid4().hex
    return f"{raw[:8]}-000f-5000-9000-{raw[20:32]}"


def fingerprint(body: JsonObject) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
