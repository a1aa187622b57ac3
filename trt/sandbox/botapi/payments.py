"""Invoices the bot sent and the charges users paid, for ``pay`` and ``refundStarPayment``.

The invoice payload is never part of the message the user sees; it is kept here and
returned to the bot in ``pre_checkout_query`` and ``successful_payment``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Invoice:
    chat_id: int
    message_id: int
    title: str
    description: str
    payload: str
    currency: str
    total_amount: int
    need_email: bool = False
    need_name: bool = False
    need_phone_number: bool = False


@dataclass
class Charge:
    telegram_payment_charge_id: str
    provider_payment_charge_id: str
    user_id: int
    invoice: Invoice
    refunded: bool = False

    def as_successful_payment(self, order_info: dict[str, Any] | None) -> dict[str, Any]:
        payment: dict[str, Any] = {
            "currency": self.invoice.currency,
            "total_amount": self.invoice.total_amount,
            "invoice_payload": self.invoice.payload,
            "telegram_payment_charge_id": self.telegram_payment_charge_id,
            "provider_payment_charge_id": self.provider_payment_charge_id,
        }
        if order_info:
            payment["order_info"] = order_info
        return payment

    def as_refunded_payment(self) -> dict[str, Any]:
        return {
            "currency": self.invoice.currency,
            "total_amount": self.invoice.total_amount,
            "invoice_payload": self.invoice.payload,
            "telegram_payment_charge_id": self.telegram_payment_charge_id,
            "provider_payment_charge_id": self.provider_payment_charge_id,
        }


@dataclass
class PaymentBook:
    invoices: dict[tuple[int, int], Invoice] = field(default_factory=dict)
    charges: dict[str, Charge] = field(default_factory=dict)

    def add_invoice(self, invoice: Invoice) -> None:
        self.invoices[(invoice.chat_id, invoice.message_id)] = invoice

    def invoice(self, chat_id: int, message_id: int) -> Invoice | None:
        return self.invoices.get((chat_id, message_id))

    def charge(self, invoice: Invoice, user_id: int) -> Charge:
        prefix = "stxTRT" if invoice.currency == "XTR" else "tgTRT"
        charge = Charge(
            telegram_payment_charge_id=f"{prefix}{secrets.token_hex(16)}",
            provider_payment_charge_id=f"prov_{secrets.token_hex(12)}",
            user_id=user_id,
            invoice=invoice,
        )
        self.charges[charge.telegram_payment_charge_id] = charge
        return charge
