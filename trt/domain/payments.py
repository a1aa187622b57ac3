"""Money in: Stars packages and rate, payment orders, pre-checkout rules, referrals, promo codes.

An order is created before its invoice and named by the invoice payload
(`topup:<user id>:<nonce>`, at most 128 bytes). Pre-checkout only checks what is cheap (the order
exists, is pending, belongs to the payer, the amount and currency match, the payer is not
banned); money is credited only for `successful_payment`, once per Telegram charge id.

Order statuses: pending -> paid -> refunded, or pending -> cancelled (the invoice could not be
sent). A manual transfer's order moves pending -> paid (an admin approved its receipt) or
pending -> rejected. A Stars order whose invoice was never paid, or a manual one with no receipt,
moves pending -> expired after a while; expired -> paid still happens when Telegram charges the
old invoice anyway (the money was taken, so it is credited). Nothing leaves `refunded`,
`cancelled` or `rejected`.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from enum import StrEnum

from trt.domain.money import KOPECKS_PER_RUBLE, Kopecks

STARS = "XTR"
PAYLOAD_PREFIX = "topup"
PAYLOAD_MAX_BYTES = 128
REFERRAL_PREFIX = "ref_"
PROMO_CODE = re.compile(r"[A-Z0-9_-]{3,32}")


class PaymentMethod(StrEnum):
    STARS = "stars"
    MANUAL = "manual"  # a bank transfer an admin approved from its receipt
    YOOKASSA = "yookassa"  # card / SBP through YooKassa


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"


ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset(
        {OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
    ),
    OrderStatus.PAID: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.REFUNDED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REJECTED: frozenset(),
    OrderStatus.EXPIRED: frozenset({OrderStatus.PAID}),
}


@dataclass(frozen=True, slots=True)
class StarsPackage:
    stars: int
    kopecks: Kopecks  # what the balance receives


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    id: int
    user_id: int
    method: PaymentMethod
    currency: str
    amount: int  # in the currency's smallest units: Stars for XTR
    credit: Kopecks  # what the balance receives once paid
    status: OrderStatus
    payload: str
    telegram_payment_charge_id: str | None
    provider_payment_charge_id: str | None
    refund_debit: int | None  # what the refund took back from the balance
    created_at: datetime
    paid_at: datetime | None
    refunded_at: datetime | None


class CheckoutRefusal(StrEnum):
    """Why a pre-checkout query is answered `ok=False` (each has a localized message)."""

    UNKNOWN_ORDER = "unknown-order"
    NOT_PENDING = "not-pending"
    EXPIRED = "expired"
    WRONG_USER = "wrong-user"
    WRONG_AMOUNT = "wrong-amount"
    BANNED = "banned"


class PromoRefusal(StrEnum):
    INVALID = "invalid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used-up"
    ALREADY_USED = "already-used"


@dataclass(frozen=True, slots=True)
class PromoCode:
    code: str
    amount: Kopecks
    max_uses: int
    uses: int
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class PromoSpec:
    """An admin's `/promo_new CODE AMOUNT_RUB MAX_USES [DAYS_VALID]`, parsed."""

    code: str
    amount: Kopecks
    max_uses: int
    days_valid: int | None


def can_move(source: OrderStatus, target: OrderStatus) -> bool:
    return target in ORDER_TRANSITIONS[source]


def rubles_to_kopecks(text: str) -> Kopecks:
    """'100' or '99.50' rubles -> kopecks; more than two decimals or a non-number raises."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"not an amount of rubles: {text!r}") from None
    kopecks = value * KOPECKS_PER_RUBLE
    if not value.is_finite() or kopecks != kopecks.to_integral_value():
        raise ValueError(f"not a whole number of kopecks: {text!r}")
    return Kopecks(int(kopecks))


def parse_packages(spec: str) -> tuple[StarsPackage, ...]:
    """'50:100,100:210' (Stars:rubles credited) -> packages; raises ValueError on nonsense."""
    packages = []
    for part in spec.split(","):
        if not part.strip():
            continue
        stars, _, rubles = part.partition(":")
        if not stars.strip().isdecimal():
            raise ValueError(f"a package is stars:rubles, not {part!r}")
        package = StarsPackage(stars=int(stars), kopecks=rubles_to_kopecks(rubles))
        if package.stars <= 0 or package.kopecks <= 0:
            raise ValueError(f"a package needs positive Stars and rubles: {part!r}")
        packages.append(package)
    if len({p.stars for p in packages}) != len(packages):
        raise ValueError("two packages with the same number of Stars")
    return tuple(sorted(packages, key=lambda p: p.stars))


def stars_to_kopecks(stars: int, rub_per_star: Decimal) -> Kopecks:
    """A custom amount at the fixed rate, rounded down to whole kopecks."""
    if stars <= 0:
        raise ValueError("a positive number of Stars")
    exact = Decimal(stars) * rub_per_star * KOPECKS_PER_RUBLE
    return Kopecks(int(exact.to_integral_value(rounding=ROUND_FLOOR)))


def parse_stars(text: str, *, low: int, high: int) -> int | None:
    """A number of Stars a user typed, or None when it is not a whole number in [low, high]."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned.isdecimal():
        return None
    stars = int(cleaned)
    return stars if low <= stars <= high else None


def order_payload(user_id: int, nonce: str) -> str:
    payload = f"{PAYLOAD_PREFIX}:{user_id}:{nonce}"
    if len(payload.encode()) > PAYLOAD_MAX_BYTES:
        raise ValueError("an invoice payload is at most 128 bytes")
    return payload


def payload_user(payload: str) -> int | None:
    """The user an order payload names, or None when it is not one of ours."""
    parts = payload.split(":")
    if len(parts) != 3 or parts[0] != PAYLOAD_PREFIX or not parts[1].isdecimal() or not parts[2]:
        return None
    return int(parts[1])


def checkout_refusal(
    order: PaymentOrder | None,
    *,
    user_id: int,
    currency: str,
    total_amount: int,
    banned: bool,
) -> CheckoutRefusal | None:
    """The cheap pre-checkout checks; None means the payment may go ahead."""
    if banned:
        return CheckoutRefusal.BANNED
    if order is None:
        return CheckoutRefusal.UNKNOWN_ORDER
    if order.user_id != user_id:
        return CheckoutRefusal.WRONG_USER
    if order.status is not OrderStatus.PENDING:
        expired = order.status is OrderStatus.EXPIRED
        return CheckoutRefusal.EXPIRED if expired else CheckoutRefusal.NOT_PENDING
    if (order.currency, order.amount) != (currency, total_amount):
        return CheckoutRefusal.WRONG_AMOUNT
    return None


def referral_inviter(start_args: str | None) -> int | None:
    """The inviter named by `/start ref_<id>`, or None."""
    if not start_args or not start_args.startswith(REFERRAL_PREFIX):
        return None
    tail = start_args[len(REFERRAL_PREFIX) :]
    return int(tail) if tail.isdecimal() and int(tail) > 0 else None


def referral_link(bot_username: str, user_id: int) -> str:
    return f"https://t.me/{bot_username}?start={REFERRAL_PREFIX}{user_id}"


def normalize_code(raw: str) -> str | None:
    """A promo code as stored (upper case), or None when it cannot be one."""
    code = raw.strip().upper()
    return code if PROMO_CODE.fullmatch(code) else None


def promo_refusal(promo: PromoCode | None, *, now: datetime) -> PromoRefusal | None:
    """Whether a code can still be used by someone who has not used it yet."""
    if promo is None:
        return PromoRefusal.UNKNOWN
    if promo.expires_at is not None and promo.expires_at <= now:
        return PromoRefusal.EXPIRED
    if promo.uses >= promo.max_uses:
        return PromoRefusal.USED_UP
    return None


def parse_promo_spec(args: str | None) -> PromoSpec | None:
    """`CODE AMOUNT_RUB MAX_USES [DAYS_VALID]`, or None when it does not parse."""
    parts = (args or "").split()
    if len(parts) not in (3, 4):
        return None
    code = normalize_code(parts[0])
    try:
        amount = rubles_to_kopecks(parts[1])
    except ValueError:
        return None
    numbers = parts[2:]
    if code is None or amount <= 0 or not all(n.isdecimal() and int(n) > 0 for n in numbers):
        return None
    days = int(numbers[1]) if len(numbers) == 2 else None
    return PromoSpec(code=code, amount=amount, max_uses=int(numbers[0]), days_valid=days)
