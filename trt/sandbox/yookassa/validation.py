"""Checks of a `POST /v3/payments` or `POST /v3/refunds` body, as YooKassa documents them (400
invalid_request).

What is checked: the amount (a positive decimal string in RUB with at most two decimals), the
redirect confirmation and its return_url, the description (at most 128 characters), metadata
(at most 16 keys of at most 32 characters, string values of at most 512), and the 54-FZ
receipt: a customer email or phone, 1 to 100 items, each with a description of at most 128
characters, a positive quantity, an amount in RUB and a vat_code, and the items adding up to
the payment's amount exactly. The simulator offers only the redirect confirmation and RUB.
A refund names its payment and an amount, with an optional description and receipt (checked
the same way, its items adding up to the refund).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from trt.sandbox.yookassa.errors import ApiError, invalid

DESCRIPTION_MAX = 128
METADATA_KEYS_MAX = 16
METADATA_KEY_MAX = 32
METADATA_VALUE_MAX = 512
ITEMS_MAX = 100  # assumption: YooKassa's documented maximum of receipt items
URL_MAX = 2048
VAT_CODES = range(1, 13)  # 1-10 documented; 11 and 12 held for the 2026 rates
TAX_SYSTEMS = range(1, 7)
VALUE = re.compile(r"\d{1,10}(\.\d{1,2})?")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\d{11,15}")  # ITU-T E.164 digits
PAYMENT_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")
CURRENCIES = frozenset({"RUB"})


def check_create(body: Any, *, receipt_required: bool) -> Decimal:
    """Raise ApiError for the first problem; return the payment's amount."""
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    amount = money(body.get("amount"), "amount")
    if "capture" in body and not isinstance(body["capture"], bool):
        raise invalid("capture must be a boolean", "capture")
    _confirmation(body.get("confirmation"))
    description = body.get("description")
    if description is not None and (
        not isinstance(description, str) or len(description) > DESCRIPTION_MAX
    ):
        raise invalid("Description must be a string of at most 128 characters", "description")
    _metadata(body.get("metadata"))
    receipt = body.get("receipt")
    if receipt is None:
        if receipt_required:
            raise invalid("Receipt is missing or illegal", "receipt")
    else:
        _receipt(receipt, amount)
    return amount


def check_refund(body: Any) -> tuple[str, Decimal]:
    """Raise ApiError for the first problem of the body alone; return the payment id and the
    amount (whether the payment can be refunded is the refund desk's question)."""
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    payment_id = body.get("payment_id")
    if not isinstance(payment_id, str) or not PAYMENT_ID.fullmatch(payment_id):
        raise invalid("payment_id must be a payment's id", "payment_id")
    amount = money(body.get("amount"), "amount")
    description = body.get("description")
    if description is not None and (
        not isinstance(description, str) or len(description) > DESCRIPTION_MAX
    ):
        raise invalid("Description must be a string of at most 128 characters", "description")
    if body.get("receipt") is not None:
        _receipt(body["receipt"], amount)
    return payment_id, amount


def money(value: Any, where: str) -> Decimal:
    if not isinstance(value, dict):
        raise invalid("Amount must be an object with value and currency", where)
    raw = value.get("value")
    text = raw if isinstance(raw, str) else str(raw) if isinstance(raw, int | float) else ""
    if isinstance(raw, bool) or not VALUE.fullmatch(text) or Decimal(text) <= 0:
        raise invalid("Amount value must be a positive number with at most 2 decimals", where)
    if value.get("currency") not in CURRENCIES:
        raise invalid("Currency is not supported", f"{where}.currency")
    return Decimal(text)


def _confirmation(confirmation: Any) -> None:
    if not isinstance(confirmation, dict):
        raise invalid("Confirmation is required", "confirmation")
    if confirmation.get("type") != "redirect":
        raise invalid("Only the redirect confirmation is offered", "confirmation.type")
    url = confirmation.get("return_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise invalid("return_url is required for a redirect", "confirmation.return_url")
    if len(url) > URL_MAX:
        raise invalid("return_url is too long", "confirmation.return_url")


def _metadata(metadata: Any) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, dict) or len(metadata) > METADATA_KEYS_MAX:
        raise invalid("Metadata must be an object of at most 16 keys", "metadata")
    for key, item in metadata.items():
        if len(key) > METADATA_KEY_MAX or not isinstance(item, str):
            raise invalid("Metadata keys are at most 32 chars, values strings", "metadata")
        if len(item) > METADATA_VALUE_MAX:
            raise invalid("Metadata values are at most 512 characters", "metadata")


def _receipt(receipt: Any, amount: Decimal) -> None:
    if not isinstance(receipt, dict):
        raise invalid("Receipt must be an object", "receipt")
    customer = receipt.get("customer")
    email = customer.get("email") if isinstance(customer, dict) else None
    phone = customer.get("phone") if isinstance(customer, dict) else None
    if email is None and phone is None:
        raise invalid("Receipt needs the customer's email or phone", "receipt.customer")
    if email is not None and not (isinstance(email, str) and EMAIL.fullmatch(email)):
        raise invalid("Customer email is invalid", "receipt.customer.email")
    if phone is not None and not (isinstance(phone, str) and PHONE.fullmatch(phone)):
        raise invalid("Customer phone must be in ITU-T E.164 format", "receipt.customer.phone")
    tax_system = receipt.get("tax_system_code")
    if tax_system is not None and tax_system not in TAX_SYSTEMS:
        raise invalid("tax_system_code is invalid", "receipt.tax_system_code")
    items = receipt.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= ITEMS_MAX:
        raise invalid("Receipt items must be a list of 1 to 100 items", "receipt.items")
    total = sum((_item(item, f"receipt.items[{n}]") for n, item in enumerate(items)), Decimal(0))
    if total != amount:
        raise invalid("The sum of the receipt items does not match the amount", "receipt.items")


def _item(item: Any, where: str) -> Decimal:
    if not isinstance(item, dict):
        raise invalid("A receipt item must be an object", where)
    description = item.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= DESCRIPTION_MAX:
        raise invalid("Item description must be 1 to 128 characters", f"{where}.description")
    quantity = _quantity(item.get("quantity"), f"{where}.quantity")
    price = money(item.get("amount"), f"{where}.amount")
    vat = item.get("vat_code")
    if isinstance(vat, bool) or vat not in VAT_CODES:
        raise invalid("vat_code is invalid", f"{where}.vat_code")
    for name in ("payment_mode", "payment_subject"):
        if name in item and not isinstance(item[name], str):
            raise invalid(f"{name} must be a string", f"{where}.{name}")
    return price * quantity


def _quantity(value: Any, where: str) -> Decimal:
    try:
        quantity = Decimal(str(value)) if not isinstance(value, bool) else Decimal(-1)
    except InvalidOperation:
        raise invalid("Quantity must be a number", where) from None
    if not quantity.is_finite() or quantity <= 0:
        raise invalid("Quantity must be positive", where)
    return quantity
