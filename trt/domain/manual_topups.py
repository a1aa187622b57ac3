"""Manual bank transfers: the user picks an amount, pays outside the bot, sends a receipt, and
an admin approves (credit, once) or rejects it.

A manual order is a `payment_orders` row with method `manual`, currency RUB, and both `amount`
and `credit` in kopecks. It waits in the admin queue while it is pending with a receipt; one
without a receipt expires like an unpaid invoice, one with a receipt waits for an admin.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from trt.domain.money import Kopecks, rubles
from trt.domain.payments import OrderStatus, PaymentOrder, rubles_to_kopecks

RUB = "RUB"
PAYLOAD_PREFIX = "manual"
# Preset amounts offered as buttons (those within the configured bounds); any other is typed.
PRESET_RUBLES = (300, 500, 1000, 2000, 5000)
PDF = "application/pdf"
CURRENCY_MARKS = ("₽", "руб.", "руб", "rub", "р.")
AMOUNT = re.compile(r"[0-9]{1,9}([.,][0-9]{1,2})?")  # rubles, with at most two decimals


class ReceiptKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"  # a PDF (or an image sent as a file)


@dataclass(frozen=True, slots=True)
class ManualOrder:
    """A manual transfer's order with its receipt and the admin's decision."""

    order: PaymentOrder
    receipt_file_id: str | None
    receipt_kind: ReceiptKind | None
    decided_by: int | None
    decided_at: datetime | None

    @property
    def id(self) -> int:
        return self.order.id

    @property
    def awaiting_review(self) -> bool:
        return self.order.status is OrderStatus.PENDING and self.receipt_file_id is not None


@dataclass(frozen=True, slots=True)
class ManualOffer:
    """What the operator configured; `details` None means manual top-ups are off."""

    details: str | None
    min_amount: Kopecks
    max_amount: Kopecks

    @property
    def enabled(self) -> bool:
        return bool(self.details and self.details.strip())

    @property
    def presets(self) -> tuple[Kopecks, ...]:
        within = tuple(
            amount
            for amount in (rubles(r) for r in PRESET_RUBLES)
            if self.min_amount <= amount <= self.max_amount
        )
        return within or (self.min_amount,)

    def allows(self, amount: int) -> bool:
        return self.min_amount <= amount <= self.max_amount


def manual_payload(user_id: int, nonce: str) -> str:
    """The order's unique payload (never an invoice's: it does not start with `topup:`)."""
    return f"{PAYLOAD_PREFIX}:{user_id}:{nonce}"


def parse_rubles(text: str, *, low: int, high: int) -> Kopecks | None:
    """An amount the user typed ("1500", "1 500", "99.50 ₽"), or None when it is not one in
    [low, high] kopecks."""
    cleaned = text.strip().lower()
    for mark in CURRENCY_MARKS:
        cleaned = cleaned.removesuffix(mark)
    cleaned = cleaned.replace(" ", "").replace("\u00a0", "")
    if not AMOUNT.fullmatch(cleaned):
        return None
    amount = rubles_to_kopecks(cleaned)
    return amount if low <= amount <= high else None


def document_receipt(mime_type: str | None, file_name: str | None) -> bool:
    """A document that can be a receipt: a PDF, or an image sent as a file.

    Assumption: a screenshot sent "as a file" is as good a receipt as a photo.
    """
    name = (file_name or "").lower()
    mime = (mime_type or "").lower()
    return mime == PDF or mime.startswith("image/") or name.endswith(".pdf")
