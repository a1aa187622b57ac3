"""Card / SBP top-ups, the pure part: the payment body and its 54-FZ receipt, the receipt
contact, amounts, statuses, the re-read schedule and the notification's wake-up."""

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trt.domain.money import Kopecks
from trt.domain.yookassa import (
    DESCRIPTION_MAX,
    IDEMPOTENCE_KEY_MAX,
    CardOffer,
    ContactKind,
    ReceiptContact,
    ReceiptSettings,
    Verdict,
    Wakeup,
    YooPaymentStatus,
    check_tiers,
    idempotence_key,
    parse_contact,
    parse_notification,
    parse_rub_amount,
    parse_rub_packages,
    payment_body,
    payment_description,
    stored_contact,
    verdict,
)

RECEIPT = ReceiptSettings(vat_code=1, payment_mode="full_prepayment", payment_subject="payment")
EMAIL = ReceiptContact(ContactKind.EMAIL, "payer@example.com")
OFFER = CardOffer(
    packages=(Kopecks(10_000), Kopecks(30_000)),
    min_amount=Kopecks(5_000),
    max_amount=Kopecks(5_000_000),
)


def test_the_payment_body_carries_one_receipt_item_worth_the_whole_amount() -> None:
    body = payment_body(
        order_id=42,
        amount=Kopecks(12_345),
        contact=EMAIL,
        receipt=RECEIPT,
        return_url="https://t.me/trt_bot",
    )

    assert body == {
        "amount": {"value": "123.45", "currency": "RUB"},
        "capture": True,
        "confirmation": {"type": "redirect", "return_url": "https://t.me/trt_bot"},
        "description": "Пополнение баланса, заказ №42",
        "metadata": {"order_id": "42"},
        "receipt": {
            "customer": {"email": "payer@example.com"},
            "items": [
                {
                    "description": "Пополнение баланса",
                    "quantity": "1",
                    "amount": {"value": "123.45", "currency": "RUB"},
                    "vat_code": 1,
                    "payment_mode": "full_prepayment",
                    "payment_subject": "payment",
                }
            ],
        },
    }
    json.dumps(body)  # it is sent as JSON as it is


def test_the_tax_system_and_a_phone_reach_the_receipt_when_set() -> None:
    receipt = ReceiptSettings(
        vat_code=4, payment_mode="advance", payment_subject="service", tax_system_code=2
    )
    body = payment_body(
        order_id=1,
        amount=Kopecks(100),
        contact=ReceiptContact(ContactKind.PHONE, "79123456789"),
        receipt=receipt,
        return_url="https://example.com/back",
    )
    fiscal = body["receipt"]
    assert isinstance(fiscal, dict)
    assert fiscal["customer"] == {"phone": "79123456789"}
    assert fiscal["tax_system_code"] == 2
    assert fiscal["items"][0]["vat_code"] == 4
    assert fiscal["items"][0]["amount"] == {"value": "1.00", "currency": "RUB"}


@given(order_id=st.integers(min_value=1, max_value=2**63 - 1))
def test_descriptions_and_idempotence_keys_stay_within_yookassas_limits(order_id: int) -> None:
    assert len(payment_description(order_id)) <= DESCRIPTION_MAX
    key = idempotence_key(order_id)
    assert len(key) <= IDEMPOTENCE_KEY_MAX
    assert key == idempotence_key(order_id)  # the same order always retries with the same key


@pytest.mark.parametrize(
    ("typed", "kind", "value"),
    [
        ("payer@example.com", ContactKind.EMAIL, "payer@example.com"),
        ("  Payer.Name+tag@Example.COM ", ContactKind.EMAIL, "Payer.Name+tag@example.com"),
        ("+7 (912) 345-67-89", ContactKind.PHONE, "79123456789"),
        ("8 912 345 67 89", ContactKind.PHONE, "79123456789"),
        ("9123456789", ContactKind.PHONE, "79123456789"),
        ("79123456789", ContactKind.PHONE, "79123456789"),
        ("+380 50 123 45 67", ContactKind.PHONE, "380501234567"),
    ],
)
def test_an_email_or_a_phone_is_normalised(typed: str, kind: ContactKind, value: str) -> None:
    assert parse_contact(typed) == ReceiptContact(kind, value)
    assert stored_contact(value) == ReceiptContact(kind, value)  # what is kept reads back


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "hello",
        "payer@",
        "@example.com",
        "payer@example",
        "pay er@example.com",
        "a@b@example.com",
        "<payer@example.com>",
        "x" * 250 + "@example.com",
        "12345",
        "+7 912 345",
        "0123456789012",
        "+1234567890123456",
        "7912345678a",
        "phone: 79123456789",
    ],
)
def test_anything_else_is_not_a_receipt_contact(typed: str) -> None:
    assert parse_contact(typed) is None


def test_nothing_stored_is_no_contact() -> None:
    assert stored_contact(None) is None
    assert stored_contact("") is None


def test_packages_parse_to_sorted_kopecks_and_nonsense_is_refused() -> None:
    assert parse_rub_packages("500, 100,1000,99.50") == (9_950, 10_000, 50_000, 100_000)
    for bad in ("100,100", "0", "-5", "abc", "1.005"):
        with pytest.raises(ValueError, match=r"\S"):
            parse_rub_packages(bad)


@pytest.mark.parametrize(
    ("typed", "kopecks"),
    [
        ("750", 75_000),
        (" 99.5 ", 9_950),
        ("1 000 ₽", 100_000),
        ("1,5", None),  # 1.50 rubles: below the minimum
        ("50", 5_000),
        ("50000", 5_000_000),
        ("50000.01", None),
        ("49.99", None),
        ("12.345", None),
        ("ten", None),
        ("NaN", None),
        ("", None),
    ],
)
def test_a_typed_amount_must_be_rubles_within_the_range(typed: str, kopecks: int | None) -> None:
    assert parse_rub_amount(typed, low=OFFER.min_amount, high=OFFER.max_amount) == kopecks


def test_the_offer_allows_its_packages_and_its_range() -> None:
    offer = CardOffer(
        packages=(Kopecks(1_000_000),), min_amount=Kopecks(5_000), max_amount=Kopecks(10_000)
    )
    assert offer.allows(1_000_000)
    assert offer.allows(5_000)
    assert offer.allows(10_000)
    assert not offer.allows(4_999)
    assert not offer.allows(10_001)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (YooPaymentStatus.PENDING, Verdict.WAIT),
        (YooPaymentStatus.WAITING_FOR_CAPTURE, Verdict.WAIT),
        (YooPaymentStatus.SUCCEEDED, Verdict.CREDIT),
        (YooPaymentStatus.CANCELED, Verdict.CANCEL),
    ],
)
def test_only_succeeded_credits_and_only_canceled_closes(
    status: YooPaymentStatus, expected: Verdict
) -> None:
    assert verdict(status) is expected


def test_the_re_read_schedule_backs_off_and_ends_after_a_day() -> None:
    tiers = check_tiers(timedelta(seconds=30))
    assert [t.every for t in tiers] == [
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(minutes=30),
    ]
    assert [t.younger_than for t in tiers] == sorted(t.younger_than for t in tiers)
    assert tiers[-1].younger_than == timedelta(hours=24)


PAYMENT_ID = "2419a771-000f-5000-9000-1edaf29243f2"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"type": "notification", "event": "payment.succeeded", "object": {"id": PAYMENT_ID}},
            Wakeup(PAYMENT_ID, "payment.succeeded"),
        ),
        ({"object": {"id": PAYMENT_ID, "status": "succeeded"}}, Wakeup(PAYMENT_ID, "")),
        ({"event": "payment.succeeded", "object": {"id": "../../v3/payments"}}, None),
        ({"event": "payment.succeeded", "object": {"id": 5}}, None),
        ({"event": "payment.succeeded", "object": PAYMENT_ID}, None),
        ({"event": "payment.succeeded"}, None),
        ([PAYMENT_ID], None),
    ],
)
def test_a_notification_names_a_payment_and_nothing_more(
    body: object, expected: Wakeup | None
) -> None:
    assert parse_notification(json.dumps(body).encode()) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40) | st.floats(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["type", "event", "object", "id", "status"]) | st.text(max_size=8),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@given(body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_the_notification_parser_never_raises(body: bytes) -> None:
    found = parse_notification(body)
    assert found is None or (found.payment_id and len(found.payment_id) <= 64)


def test_a_deeply_nested_or_huge_notification_is_nobodys() -> None:
    assert parse_notification(b"[" * 50_000 + b"]" * 50_000) is None
    assert parse_notification(b" " * (2 << 20)) is None
