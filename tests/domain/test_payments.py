"""Money in, the pure part: packages, the Stars rate, payloads, pre-checkout rules, referral
links and promo codes."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trt.domain.money import Kopecks
from trt.domain.payments import (
    PAYLOAD_MAX_BYTES,
    CheckoutRefusal,
    OrderStatus,
    PaymentMethod,
    PaymentOrder,
    PromoCode,
    PromoRefusal,
    PromoSpec,
    StarsPackage,
    can_move,
    checkout_refusal,
    normalize_code,
    order_payload,
    parse_packages,
    parse_promo_spec,
    parse_stars,
    payload_user,
    promo_refusal,
    referral_inviter,
    referral_link,
    rubles_to_kopecks,
    stars_to_kopecks,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ORDER = PaymentOrder(
    id=7,
    user_id=42,
    method=PaymentMethod.STARS,
    currency="XTR",
    amount=50,
    credit=Kopecks(10_000),
    status=OrderStatus.PENDING,
    payload="topup:42:abc",
    telegram_payment_charge_id=None,
    provider_payment_charge_id=None,
    refund_debit=None,
    created_at=NOW,
    paid_at=None,
    refunded_at=None,
)


def test_packages_parse_sorted_by_stars() -> None:
    assert parse_packages("100:210, 50:100,250:550.50") == (
        StarsPackage(50, Kopecks(10_000)),
        StarsPackage(100, Kopecks(21_000)),
        StarsPackage(250, Kopecks(55_050)),
    )


@pytest.mark.parametrize("spec", ["50", "50:0", "0:100", "x:1", "50:1.001", "50:1,50:2", "50:-1"])
def test_nonsense_packages_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies by the mistake
        parse_packages(spec)


@pytest.mark.parametrize(
    ("text", "expected"), [("100", 10_000), ("99.5", 9_950), ("0,01", 1), (" 7 ", 700)]
)
def test_rubles_become_whole_kopecks(text: str, expected: int) -> None:
    assert rubles_to_kopecks(text) == expected


@pytest.mark.parametrize("text", ["abc", "1.001", "inf", "NaN", ""])
def test_rubles_that_are_not_whole_kopecks_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not"):
        rubles_to_kopecks(text)


@pytest.mark.parametrize(
    ("stars", "rate", "expected"),
    [(50, Decimal(2), 10_000), (3, Decimal("1.333"), 399), (1, Decimal("0.019"), 1)],
)
def test_custom_stars_are_converted_at_the_rate_rounding_down(
    stars: int, rate: Decimal, expected: int
) -> None:
    assert stars_to_kopecks(stars, rate) == expected


@given(
    stars=st.integers(min_value=1, max_value=1_000_000),
    rate=st.decimals(min_value="0.01", max_value="100", places=4),
)
def test_the_conversion_never_credits_more_than_the_exact_value(stars: int, rate: Decimal) -> None:
    credited = stars_to_kopecks(stars, rate)
    exact = Decimal(stars) * rate * 100
    assert exact - 1 < credited <= exact


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20", 20), (" 1 000 ", 1000), ("19", None), ("1001", None), ("12.5", None), ("-5", None)],
)
def test_typed_stars_must_be_a_whole_number_within_the_limits(
    text: str, expected: int | None
) -> None:
    assert parse_stars(text, low=20, high=1000) == expected


def test_a_payload_names_the_user_and_fits_telegrams_limit() -> None:
    payload = order_payload(2**63 - 1, "f" * 16)
    assert len(payload.encode()) <= PAYLOAD_MAX_BYTES
    assert payload_user(payload) == 2**63 - 1
    assert payload_user(order_payload(42, "abc")) == 42


@pytest.mark.parametrize("payload", ["", "topup:42", "topup:x:1", "other:42:1", "topup:42:"])
def test_foreign_payloads_name_nobody(payload: str) -> None:
    assert payload_user(payload) is None


@pytest.mark.parametrize(
    ("order", "kwargs", "expected"),
    [
        (ORDER, {}, None),
        (None, {}, CheckoutRefusal.UNKNOWN_ORDER),
        (ORDER, {"user_id": 43}, CheckoutRefusal.WRONG_USER),
        (ORDER, {"total_amount": 49}, CheckoutRefusal.WRONG_AMOUNT),
        (ORDER, {"currency": "RUB"}, CheckoutRefusal.WRONG_AMOUNT),
        (replace(ORDER, status=OrderStatus.PAID), {}, CheckoutRefusal.NOT_PENDING),
        (replace(ORDER, status=OrderStatus.CANCELLED), {}, CheckoutRefusal.NOT_PENDING),
        (ORDER, {"banned": True}, CheckoutRefusal.BANNED),
    ],
)
def test_pre_checkout_rules(
    order: PaymentOrder | None, kwargs: dict[str, object], expected: CheckoutRefusal | None
) -> None:
    query: dict[str, object] = {
        "user_id": 42,
        "currency": "XTR",
        "total_amount": 50,
        "banned": False,
    }
    assert checkout_refusal(order, **(query | kwargs)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("terminal", [OrderStatus.REFUNDED, OrderStatus.CANCELLED])
def test_nothing_leaves_a_refunded_or_cancelled_order(terminal: OrderStatus) -> None:
    assert not any(can_move(terminal, target) for target in OrderStatus)


def test_an_order_is_paid_before_it_is_refunded() -> None:
    assert can_move(OrderStatus.PENDING, OrderStatus.PAID)
    assert can_move(OrderStatus.PAID, OrderStatus.REFUNDED)
    assert not can_move(OrderStatus.PENDING, OrderStatus.REFUNDED)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("ref_42", 42),
        ("ref_0", None),
        ("ref_", None),
        ("ref_x", None),
        ("m_flux", None),
        (None, None),
    ],
)
def test_referral_start_parameter(args: str | None, expected: int | None) -> None:
    assert referral_inviter(args) == expected


def test_referral_link_is_a_start_deep_link() -> None:
    assert referral_link("trt_bot", 42) == "https://t.me/trt_bot?start=ref_42"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" spring-25 ", "SPRING-25"), ("AB", None), ("a b c", None), ("Ы123", None), ("X" * 33, None)],
)
def test_promo_codes_are_normalised(raw: str, expected: str | None) -> None:
    assert normalize_code(raw) == expected


def test_promo_refusals() -> None:
    code = PromoCode("SPRING", Kopecks(3000), max_uses=2, uses=1, expires_at=NOW)
    assert promo_refusal(None, now=NOW) is PromoRefusal.UNKNOWN
    assert promo_refusal(code, now=NOW - timedelta(seconds=1)) is None
    assert promo_refusal(code, now=NOW) is PromoRefusal.EXPIRED
    assert promo_refusal(replace(code, expires_at=None, uses=2), now=NOW) is PromoRefusal.USED_UP


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("spring 30 100", PromoSpec("SPRING", Kopecks(3000), 100, None)),
        ("SPRING 30.5 1 7", PromoSpec("SPRING", Kopecks(3050), 1, 7)),
        ("SPRING 30", None),
        ("SPRING 0 1", None),
        ("SPRING 30 0", None),
        ("SPRING 30 1 0", None),
        ("SPRING abc 1", None),
        ("S 30 1", None),
        ("SPRING 30 1 7 9", None),
        (None, None),
    ],
)
def test_an_admins_promo_command_parses(args: str | None, expected: PromoSpec | None) -> None:
    assert parse_promo_spec(args) == expected
