"""Reading YooKassa's answers: a payment or refund object, or an error body.

An answer that is not what the API documents raises YooKassaTransientError: for a create that
is safe to retry (the same Idempotence-Key returns the same payment), for a read it is simply
read again later.
"""

import json
from collections.abc import Mapping
from typing import Final

from trt.domain.money import Kopecks
from trt.domain.payments import rubles_to_kopecks
from trt.domain.yookassa import PAYMENT_ID, YooPayment, YooPaymentStatus
from trt.domain.yookassa_refunds import YooRefund, YooRefundStatus
from trt.yookassa.errors import YooKassaError, YooKassaTransientError, classify

MS_PER_SECOND: Final = 1000


def decode(body: bytes) -> Mapping[str, object] | None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, Mapping) else None


def raise_for(http_status: int, body: bytes) -> Mapping[str, object]:
    """The decoded 200 answer; the classified error for anything else.

    Error bodies are `{"type": "error", "id", "code", "description", "parameter"}`; a 202 is
    `{"type": "processing", "retry_after": <ms>}` (YooKassa is still working on it).
    """
    document = decode(body)
    error_class = classify(http_status)
    if error_class is None:
        if document is None:
            raise YooKassaTransientError("answer is not a JSON object", http_status=http_status)
        return document
    details = document or {}
    code = _text(details.get("code"))
    message = _text(details.get("description")) or f"HTTP {http_status}"
    parameter = _text(details.get("parameter"))
    if parameter:
        message = f"{message} [{parameter}]"
    if issubclass(error_class, YooKassaTransientError):
        retry_after = details.get("retry_after")
        seconds = (
            retry_after / MS_PER_SECOND
            if isinstance(retry_after, int | float) and not isinstance(retry_after, bool)
            else None
        )
        raise YooKassaTransientError(
            message, http_status=http_status, code=code, retry_after=seconds
        )
    error: YooKassaError = error_class(message, http_status=http_status, code=code)
    raise error


def parse_payment(document: Mapping[str, object]) -> YooPayment:
    payment_id = _id(document.get("id"), "a payment")
    status = _text(document.get("status"))
    if status not in {s.value for s in YooPaymentStatus}:
        raise YooKassaTransientError(f"a payment with an unknown status {status!r}")
    kopecks, currency = _amount(document.get("amount"), "a payment")
    return YooPayment(
        id=payment_id,
        status=YooPaymentStatus(status),
        amount=kopecks,
        currency=currency,
        order_id=_order_id(document.get("metadata")),
        confirmation_url=_confirmation_url(document.get("confirmation")),
        cancellation_reason=_cancellation_reason(document.get("cancellation_details")),
    )


def parse_refund(document: Mapping[str, object]) -> YooRefund:
    refund_id = _id(document.get("id"), "a refund")
    payment_id = _id(document.get("payment_id"), "a refund's payment")
    status = _text(document.get("status"))
    if status not in {s.value for s in YooRefundStatus}:
        raise YooKassaTransientError(f"a refund with an unknown status {status!r}")
    kopecks, currency = _amount(document.get("amount"), "a refund")
    return YooRefund(
        id=refund_id,
        payment_id=payment_id,
        status=YooRefundStatus(status),
        amount=kopecks,
        currency=currency,
        cancellation_reason=_cancellation_reason(document.get("cancellation_details")),
    )


def _id(value: object, what: str) -> str:
    found = _text(value)
    if found is None or not PAYMENT_ID.fullmatch(found):
        raise YooKassaTransientError(f"{what} without a valid id")
    return found


def _amount(amount: object, what: str) -> tuple[Kopecks, str]:
    if not isinstance(amount, Mapping):
        raise YooKassaTransientError(f"{what} without an amount")
    try:
        kopecks = rubles_to_kopecks(str(amount.get("value")))
    except ValueError:
        raise YooKassaTransientError(f"{what} amount that is not a number") from None
    return kopecks, _text(amount.get("currency")) or ""


def _order_id(metadata: object) -> int | None:
    value = metadata.get("order_id") if isinstance(metadata, Mapping) else None
    text = _text(value)
    return int(text) if text is not None and text.isascii() and text.isdecimal() else None


def _confirmation_url(confirmation: object) -> str | None:
    return (
        _text(confirmation.get("confirmation_url")) if isinstance(confirmation, Mapping) else None
    )


def _cancellation_reason(details: object) -> str | None:
    return _text(details.get("reason")) if isinstance(details, Mapping) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
