"""The user's side of a payment: tap Pay, wait for the bot's pre-checkout answer, get charged.

Order as in Telegram: ``pre_checkout_query`` → the bot's ``answerPreCheckoutQuery`` within the
deadline (10 s) → only if ``ok``, a ``successful_payment`` service message. A refusal or a
missed deadline charges nothing.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from trt.sandbox.botapi.chats import Chat, StoredMessage
from trt.sandbox.botapi.context import Context
from trt.sandbox.botapi.payments import Charge, Invoice

PaymentStatus = Literal["paid", "refused", "timeout"]


@dataclass(frozen=True)
class PaymentOutcome:
    status: PaymentStatus
    pre_checkout_update_id: int
    error_message: str | None = None
    charge: Charge | None = None
    payment_update_id: int | None = None
    message: StoredMessage | None = None

    @property
    def ok(self) -> bool:
        return self.status == "paid"

    @property
    def telegram_payment_charge_id(self) -> str | None:
        return self.charge.telegram_payment_charge_id if self.charge else None


def _order_info(invoice: Invoice, user: dict[str, Any], email: str | None) -> dict[str, Any]:
    info: dict[str, Any] = {}
    if invoice.need_email and email:
        info["email"] = email
    if invoice.need_name:
        info["name"] = " ".join(filter(None, (user.get("first_name"), user.get("last_name"))))
    if invoice.need_phone_number:
        info["phone_number"] = "79990000000"
    return info


async def pay(
    ctx: Context,
    chat: Chat,
    invoice: Invoice,
    *,
    email: str | None = None,
    deadline: float = 10.0,
    on_approved: Callable[[], Awaitable[None]] | None = None,
) -> PaymentOutcome:
    """``on_approved`` (a test's fault hook) runs after the bot's ok, before the charge."""
    user = dict(chat.user)
    query_id = str(secrets.randbits(62))
    query = ctx.queries.open("pre_checkout_query", query_id, max_age=deadline)
    order_info = _order_info(invoice, user, email)
    pre_checkout: dict[str, Any] = {
        "id": query_id,
        "from": user,
        "currency": invoice.currency,
        "total_amount": invoice.total_amount,
        "invoice_payload": invoice.payload,
    }
    if order_info:
        pre_checkout["order_info"] = order_info
    query_update = await ctx.deliver({"pre_checkout_query": pre_checkout})
    try:
        answer = await asyncio.wait_for(asyncio.shield(query.answer), deadline)
    except TimeoutError:
        return PaymentOutcome("timeout", query_update)
    if not answer["ok"]:
        return PaymentOutcome("refused", query_update, error_message=answer["error_message"])
    if on_approved is not None:
        await on_approved()
    charge = ctx.payments.charge(invoice, chat.id, user)
    message = ctx.chats.add(
        chat,
        {"from": user, "successful_payment": charge.as_successful_payment(order_info)},
        from_bot=False,
    )
    payment_update = await ctx.deliver({"message": dict(message.data)})
    return PaymentOutcome(
        "paid", query_update, charge=charge, payment_update_id=payment_update, message=message
    )
