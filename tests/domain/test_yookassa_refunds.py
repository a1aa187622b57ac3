"""Card refunds, the pure part: the refund body with its 54-FZ receipt shaped like the payment's,
one Idempotence-Key and one ledger key per order / payment, and what a refund notification
names."""

import json

import pytest

from trt.domain.ledger import yookassa_payment_key, yookassa_refund_key
from trt.domain.money import Kopecks
from trt.domain.yookassa import (
    IDEMPOTENCE_KEY_MAX,
    ContactKind,
    ReceiptContact,
    ReceiptSettings,
    Wakeup,
    parse_notification,
    payment_body,
)
from trt.domain.yookassa_refunds import refund_body, refund_description, refund_idempotence_key

PAYMENT_ID = "2419a771-000f-5000-9000-1edaf29243f2"
REFUND_ID = "216749f7-0016-50be-b000-078d43a63ae4"
CONTACT = ReceiptContact(ContactKind.PHONE, "79123456789")
RECEIPT = ReceiptSettings(
    vat_code=1, payment_mode="full_prepayment", payment_subject="payment", tax_system_code=2
)


def test_a_refund_returns_the_whole_payment_with_the_same_receipt_item() -> None:
    body = refund_body(
        order_id=77, payment_id=PAYMENT_ID, amount=Kopecks(30_050), contact=CONTACT, receipt=RECEIPT
    )
    paid = payment_body(
        order_id=77,
        amount=Kopecks(30_050),
        contact=CONTACT,
        receipt=RECEIPT,
        return_url="https://t.me/b",
    )

    assert body == {
        "payment_id": PAYMENT_ID,
        "amount": {"value": "300.50", "currency": "RUB"},
        "description": "Возврат пополнения баланса, заказ №77",
        "receipt": paid["receipt"],
    }
    assert body["receipt"] == {
        "customer": {"phone": "79123456789"},
        "items": [
            {
                "description": "Пополнение баланса",
                "quantity": "1",
                "amount": {"value": "300.50", "currency": "RUB"},
                "vat_code": 1,
                "payment_mode": "full_prepayment",
                "payment_subject": "payment",
            }
        ],
        "tax_system_code": 2,
    }


def test_without_a_contact_the_receipt_is_left_to_yookassa() -> None:
    body = refund_body(
        order_id=1, payment_id=PAYMENT_ID, amount=Kopecks(100), contact=None, receipt=RECEIPT
    )
    assert "receipt" not in body


def test_one_key_per_order_and_one_ledger_key_per_payment() -> None:
    assert refund_idempotence_key(42) == refund_idempotence_key(42) == "trt-refund-42"
    assert refund_idempotence_key(42) != refund_idempotence_key(43)
    assert len(refund_idempotence_key(2**63 - 1)) <= IDEMPOTENCE_KEY_MAX
    assert yookassa_refund_key(PAYMENT_ID) == f"yk-refund:{PAYMENT_ID}"
    assert yookassa_refund_key(PAYMENT_ID) != yookassa_payment_key(PAYMENT_ID)
    assert len(refund_description(2**63 - 1)) <= 128


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "type": "notification",
                "event": "refund.succeeded",
                "object": {"id": REFUND_ID, "payment_id": PAYMENT_ID, "status": "succeeded"},
            },
            Wakeup(PAYMENT_ID, "refund.succeeded", refund_id=REFUND_ID),
        ),
        ({"event": "refund.succeeded", "object": {"id": REFUND_ID}}, None),
        ({"event": "refund.succeeded", "object": {"id": REFUND_ID, "payment_id": "../x"}}, None),
        ({"event": "refund.succeeded", "object": {"id": 5, "payment_id": PAYMENT_ID}}, None),
        (  # a payment event never names a refund, whatever its object holds
            {"event": "payment.succeeded", "object": {"id": PAYMENT_ID, "payment_id": "x"}},
            Wakeup(PAYMENT_ID, "payment.succeeded"),
        ),
    ],
)
def test_a_refund_notification_names_the_refund_and_its_payment(
    body: object, expected: Wakeup | None
) -> None:
    assert parse_notification(json.dumps(body).encode()) == expected
