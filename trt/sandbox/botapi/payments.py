"""Invoices the bot sent and the charges users paid, for ``pay`` and ``refundStarPayment``.

The invoice payload is never part of the message the user sees; it is kept here and
returned to the bot in ``pre_checkout_query`` and ``successful_payment``. Star charges and
refunds are also kept as the bot's Star transactions, in the order they happened, for
``getStarTransactions``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

STARS = "XTR"


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
    star_transactions: list[dict[str, Any]] = field(default_factory=list)

    def add_invoice(self, invoice: Invoice) -> None:
        self.invoices[(invoice.chat_id, invoice.message_id)] = invoice

    def invoice(self, chat_id: int, message_id: int) -> Invoice | None:
        return self.invoices.get((chat_id, message_id))

    def charge(self, invoice: Invoice, user_id: int, user: dict[str, Any] | None = None) -> Charge:
        prefix = "stxTRT" if invoice.currency == STARS else "tgTRT"
        charge = Charge(
            telegram_payment_charge_id=f"{prefix}{secrets.token_hex(16)}",
            provider_payment_charge_id=f"prov_{secrets.token_hex(12)}",
            user_id=user_id,
            invoice=invoice,
        )
        self.charges[charge.telegram_payment_charge_id] = charge
        if invoice.currency == STARS:
            partner = _user_partner(user or {"id": user_id}, invoice_payload=invoice.payload)
            self._record_stars(charge, source=partner)
        return charge

    def refund(self, charge: Charge, user: dict[str, Any] | None = None) -> None:
        """Mark a Star charge refunded: an outgoing transaction under the charge's id."""
        charge.refunded = True
        self._record_stars(charge, receiver=_user_partner(user or {"id": charge.user_id}))

    def _record_stars(self, charge: Charge, **partner: dict[str, Any]) -> None:
        self.star_transactions.append(
            {
                "id": charge.telegram_payment_charge_id,
                "amount": charge.invoice.total_amount,
                "date": int(time.time()),
                **partner,
            }
        )


def _user_partner(user: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A TransactionPartnerUser for an invoice payment (or its refund)."""
    profile = {"is_bot": False, "first_name": "User", **user}
    return {"type": "user", "transaction_type": "invoice_payment", "user": profile, **extra}
