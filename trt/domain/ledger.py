"""The vocabulary of money movements and their idempotency keys.

A user's balance has two parts: `available` (can be spent or held) and `held` (reserved for a
running job). Every change to either is one ledger entry, so for every user
`available == sum(entry.available_delta)` and `held == sum(entry.held_delta)`.
Each entry has a unique idempotency key derived from the external event that caused it: a
repeated event finds its key taken and changes nothing.
"""

from dataclasses import dataclass
from enum import StrEnum


class EntryKind(StrEnum):
    TOPUP = "topup"  # money in from a payment
    BONUS = "bonus"  # referral or promo money
    REFUND = "refund"  # money returned to the user outside a hold (e.g. an admin refunds a job)
    HOLD = "hold"  # available -> held, for a job
    CAPTURE = "capture"  # held -> spent, the job succeeded
    RELEASE = "release"  # held -> available, the job failed
    ADJUSTMENT = "adjustment"  # an admin's correction, with a reason
    DEBIT = "debit"  # money out, e.g. a Stars payment refunded to the user


class HoldStatus(StrEnum):
    HELD = "held"
    CAPTURED = "captured"
    RELEASED = "released"


@dataclass(frozen=True, slots=True)
class Movement:
    """How one entry kind moves money between the two parts of a balance."""

    available_sign: int
    held_sign: int


MOVEMENTS: dict[EntryKind, Movement] = {
    EntryKind.TOPUP: Movement(+1, 0),
    EntryKind.BONUS: Movement(+1, 0),
    EntryKind.REFUND: Movement(+1, 0),
    EntryKind.HOLD: Movement(-1, +1),
    EntryKind.CAPTURE: Movement(0, -1),
    EntryKind.RELEASE: Movement(+1, -1),
    EntryKind.DEBIT: Movement(-1, 0),
}


def job_hold_key(job_id: int) -> str:
    return f"job-hold:{job_id}"


def job_capture_key(job_id: int) -> str:
    return f"job-capture:{job_id}"


def job_release_key(job_id: int) -> str:
    return f"job-release:{job_id}"


def telegram_charge_key(charge_id: str) -> str:
    return f"tg-charge:{charge_id}"


def promo_key(code: str, user_id: int) -> str:
    return f"promo:{code}:{user_id}"


def telegram_refund_key(charge_id: str) -> str:
    return f"tg-refund:{charge_id}"


def manual_topup_key(order_id: int) -> str:
    """A manual transfer an admin approved: one credit per order, whoever pressed first."""
    return f"manual:{order_id}"


def yookassa_payment_key(payment_id: str) -> str:
    return f"yk:{payment_id}"


def yookassa_refund_key(payment_id: str) -> str:
    """A card payment refunded through YooKassa: taken back once per payment, however asked."""
    return f"yk-refund:{payment_id}"


REFERRAL_BONUS_PREFIX = "ref-bonus:"


def referral_bonus_key(invitee_id: int) -> str:
    return f"{REFERRAL_BONUS_PREFIX}{invitee_id}"
