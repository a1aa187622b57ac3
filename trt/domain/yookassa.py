"""Card / SBP top-ups through YooKassa, the pure part: amounts on offer, the receipt contact,
the payment body with its 54-FZ receipt, what a payment's status means for our order, how often
a pending payment is re-read, and the payment id a notification names.

A notification is never trusted: it only names a payment, and the payment is re-read through
YooKassa's API before anything moves. Only `succeeded` (as the API says) credits money.
"""

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TypeGuard

from trt.domain.money import Kopecks, decimal_rubles
from trt.domain.payments import rubles_to_kopecks

RUB = "RUB"
DESCRIPTION_MAX = 128  # YooKassa: payment and receipt item descriptions are at most 128 chars
IDEMPOTENCE_KEY_MAX = 64  # assumption: YooKassa accepts Idempotence-Key values up to 64 chars
EMAIL_MAX = 254
PHONE_DIGITS = range(11, 16)  # ITU-T E.164: at most 15 digits; a Russian number has 11
# YooKassa payment ids look like 2419a771-000f-5000-9000-1edaf29243f2; anything else is refused
# before it reaches a URL path or a query.
PAYMENT_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")
EMAIL = re.compile(r"[^@\s\"'<>(),;:]+@[^@\s\"'<>(),;:]+\.[^@\s\"'<>(),;:.]+")
PHONE_CHARS = re.compile(r"\+?[\d\s()-]+")
ITEM_DESCRIPTION = "Пополнение баланса"  # receipts are fiscal documents, printed in Russian
PAYMENT_MODES = frozenset(
    {
        "full_prepayment",
        "partial_prepayment",
        "advance",
        "full_payment",
        "partial_payment",
        "credit",
        "credit_payment",
    }
)
PAYMENT_SUBJECT = re.compile(r"[a-z_]{1,64}")  # commodity, service, payment, another, …
MAX_NOTIFICATION_BYTES = 1 << 20
REFUND_EVENT_PREFIX = "refund."  # YooKassa sends `refund.succeeded`


class YooPaymentStatus(StrEnum):
    PENDING = "pending"
    WAITING_FOR_CAPTURE = "waiting_for_capture"  # only with capture=false, which we never send
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


class Verdict(StrEnum):
    """What a payment's status means for its order."""

    CREDIT = "credit"
    CANCEL = "cancel"
    WAIT = "wait"


@dataclass(frozen=True, slots=True)
class YooPayment:
    """A payment as YooKassa's API reports it (never as a notification claims)."""

    id: str
    status: YooPaymentStatus
    amount: Kopecks
    currency: str
    order_id: int | None  # our order, from `metadata.order_id`
    confirmation_url: str | None
    cancellation_reason: str | None = None


class ContactKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"


@dataclass(frozen=True, slots=True)
class ReceiptContact:
    """Where YooKassa sends the 54-FZ receipt: an email, or a phone in E.164 digits."""

    kind: ContactKind
    value: str

    def customer(self) -> dict[str, str]:
        return {self.kind.value: self.value}


@dataclass(frozen=True, slots=True)
class ReceiptSettings:
    """The accountant's choices for the receipt item."""

    vat_code: int
    payment_mode: str
    payment_subject: str
    tax_system_code: int | None = None


@dataclass(frozen=True, slots=True)
class CardOffer:
    packages: tuple[Kopecks, ...]
    min_amount: Kopecks
    max_amount: Kopecks

    def allows(self, amount: int) -> bool:
        return amount in self.packages or self.min_amount <= amount <= self.max_amount


@dataclass(frozen=True, slots=True)
class Wakeup:
    """What a notification names: a payment to re-read, and the event it claimed (for logs);
    a `refund.*` notification also names the refund (its object is the refund)."""

    payment_id: str
    event: str
    refund_id: str | None = None


@dataclass(frozen=True, slots=True)
class CheckTier:
    younger_than: timedelta
    every: timedelta


def verdict(status: YooPaymentStatus) -> Verdict:
    if status is YooPaymentStatus.SUCCEEDED:
        return Verdict.CREDIT
    if status is YooPaymentStatus.CANCELED:
        return Verdict.CANCEL
    return Verdict.WAIT


def parse_contact(text: str) -> ReceiptContact | None:
    """An email or a phone number a user typed, normalised; None when it is neither."""
    cleaned = text.strip()
    if "@" in cleaned:
        if len(cleaned) > EMAIL_MAX or not EMAIL.fullmatch(cleaned):
            return None
        local, _, domain = cleaned.rpartition("@")
        return ReceiptContact(ContactKind.EMAIL, f"{local}@{domain.lower()}")
    if not PHONE_CHARS.fullmatch(cleaned):
        return None
    digits = "".join(char for char in cleaned if char.isdigit())
    if not cleaned.startswith("+"):
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]  # a Russian number dialled with the trunk prefix
        elif len(digits) == 10 and digits.startswith("9"):
            digits = "7" + digits  # a Russian mobile without the country code
    if len(digits) not in PHONE_DIGITS or digits.startswith("0"):
        return None
    return ReceiptContact(ContactKind.PHONE, digits)


def stored_contact(value: str | None) -> ReceiptContact | None:
    """The contact kept in `users.receipt_contact` (an email or E.164 digits)."""
    return parse_contact(value) if value else None


def parse_rub_packages(spec: str) -> tuple[Kopecks, ...]:
    """'100,300,500' (rubles) -> kopecks, sorted; raises ValueError on nonsense."""
    amounts = [rubles_to_kopecks(part) for part in spec.split(",") if part.strip()]
    if any(amount <= 0 for amount in amounts):
        raise ValueError("every YooKassa package must be a positive amount of rubles")
    if len(set(amounts)) != len(amounts):
        raise ValueError("two YooKassa packages with the same amount")
    return tuple(sorted(amounts))


def parse_rub_amount(text: str, *, low: Kopecks, high: Kopecks) -> Kopecks | None:
    """Rubles a user typed ('150', '99.50', '1 000 ₽'), or None outside [low, high]."""
    cleaned = text.strip().removesuffix("₽").replace(" ", "").replace("\u00a0", "")
    try:
        amount = rubles_to_kopecks(cleaned)
    except ValueError:
        return None
    return amount if low <= amount <= high else None


def idempotence_key(order_id: int) -> str:
    """One key per order: a retried create returns the same payment, never a second one."""
    return f"trt-order-{order_id}"


def payment_description(order_id: int) -> str:
    return f"{ITEM_DESCRIPTION}, заказ №{order_id}"[:DESCRIPTION_MAX]


def payment_body(
    *,
    order_id: int,
    amount: Kopecks,
    contact: ReceiptContact,
    receipt: ReceiptSettings,
    return_url: str,
) -> dict[str, object]:
    """The body of `POST /v3/payments`: one receipt item worth the whole amount."""
    return {
        "amount": rub_amount(amount),
        "capture": True,  # money is taken at once: no waiting_for_capture step
        "confirmation": {"type": "redirect", "return_url": return_url},
        "description": payment_description(order_id),
        "metadata": {"order_id": str(order_id)},
        "receipt": fiscal_receipt(amount=amount, contact=contact, receipt=receipt),
    }


def rub_amount(amount: Kopecks) -> dict[str, str]:
    return {"value": decimal_rubles(amount), "currency": RUB}


def fiscal_receipt(
    *, amount: Kopecks, contact: ReceiptContact, receipt: ReceiptSettings
) -> dict[str, object]:
    """The 54-FZ receipt of a payment or of its refund: one item worth the whole amount."""
    item: dict[str, object] = {
        "description": ITEM_DESCRIPTION,
        "quantity": "1",  # an integer, which self-employed receipts require too
        "amount": rub_amount(amount),
        "vat_code": receipt.vat_code,
        "payment_mode": receipt.payment_mode,
        "payment_subject": receipt.payment_subject,
    }
    fiscal: dict[str, object] = {"customer": contact.customer(), "items": [item]}
    if receipt.tax_system_code is not None:
        fiscal["tax_system_code"] = receipt.tax_system_code
    return fiscal


def parse_notification(body: bytes) -> Wakeup | None:
    """The payment a notification names, or None; never raises, whatever the bytes."""
    if len(body) > MAX_NOTIFICATION_BYTES:
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    return _wakeup(document.get("object"), document.get("event"))


def _wakeup(found: object, claimed: object) -> Wakeup | None:
    event = claimed[:64] if isinstance(claimed, str) else ""
    if not isinstance(found, dict):
        return None
    if event.startswith(REFUND_EVENT_PREFIX):  # the object is a refund of the payment it names
        refund_id, payment_id = found.get("id"), found.get("payment_id")
        if not _is_id(refund_id) or not _is_id(payment_id):
            return None
        return Wakeup(payment_id=payment_id, event=event, refund_id=refund_id)
    payment_id = found.get("id")
    return Wakeup(payment_id=payment_id, event=event) if _is_id(payment_id) else None


def _is_id(value: object) -> TypeGuard[str]:
    """A YooKassa payment or refund id (both look alike); anything else never reaches a URL."""
    return isinstance(value, str) and PAYMENT_ID.fullmatch(value) is not None


def check_tiers(base: timedelta) -> tuple[CheckTier, ...]:
    """How often a pending payment is re-read, by its order's age: `base` at first, backing
    off to 60 x `base`; after a day it is no longer re-read (a notification still wakes it)."""
    return (
        CheckTier(timedelta(minutes=10), base),
        CheckTier(timedelta(hours=1), base * 4),
        CheckTier(timedelta(hours=6), base * 20),
        CheckTier(timedelta(hours=24), base * 60),
    )
