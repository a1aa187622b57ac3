"""Payments: invoices (Stars and provider currencies), pre-checkout answers, Star refunds and
the bot's Star transactions."""

from __future__ import annotations

import copy
from typing import Any

from trt.sandbox.botapi.context import Context, Handler
from trt.sandbox.botapi.errors import bad_request
from trt.sandbox.botapi.methods.common import inline_markup, send_bot_message, snapshot
from trt.sandbox.botapi.params import Params
from trt.sandbox.botapi.payments import Invoice

STARS = "XTR"
TITLE_MAX, DESCRIPTION_MAX, PAYLOAD_MAX = 32, 255, 128
TRANSACTIONS_MAX = 100


def _total(p: Params, currency: str) -> int:
    prices = p.json_value("prices")
    if not isinstance(prices, list) or not prices:
        raise bad_request("prices must be a non-empty array of LabeledPrice")
    if currency == STARS and len(prices) != 1:
        raise bad_request("STARS_INVOICE_INVALID", reason="XTR needs exactly one price")
    total = 0
    for price in prices:
        if not isinstance(price, dict) or not str(price.get("label", "")).strip():
            raise bad_request("can't parse prices JSON object")
        try:
            total += int(price["amount"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("can't parse prices JSON object") from None
    if total <= 0:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    return total


def _check_invoice(p: Params) -> tuple[str, str, str, str, int]:
    title, description = p.required_text("title"), p.required_text("description")
    payload = p.required_text("payload")
    currency = p.required_text("currency").upper()
    if len(title) > TITLE_MAX:
        raise bad_request("TITLE_INVALID", reason="title is 1-32 characters")
    if len(description) > DESCRIPTION_MAX:
        raise bad_request("DESCRIPTION_INVALID", reason="description is 1-255 characters")
    if not 1 <= len(payload.encode()) <= PAYLOAD_MAX:
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    if len(currency) != 3 or not currency.isalpha():
        raise bad_request("CURRENCY_INVALID")
    has_token = p.has("provider_token")
    if currency == STARS and has_token:
        raise bad_request("STARS_INVOICE_INVALID", reason="XTR takes no provider_token")
    if currency != STARS and not has_token:
        raise bad_request("PAYMENT_PROVIDER_INVALID", reason="provider_token is required")
    return title, description, payload, currency, _total(p, currency)


def _check_pay_button(p: Params) -> None:
    markup = inline_markup(p.json_value("reply_markup"))
    rows = markup["inline_keyboard"] if markup else []
    if rows and rows[0] and not rows[0][0].get("pay"):
        raise bad_request("REPLY_MARKUP_BUY_EMPTY", reason="the first button must be Pay")


async def send_invoice(ctx: Context, p: Params) -> dict[str, Any]:
    chat = ctx.chats.target(p.values.get("chat_id"))
    title, description, payload, currency, total = _check_invoice(p)
    _check_pay_button(p)
    invoice_json = {
        "title": title,
        "description": description,
        "start_parameter": p.text("start_parameter") or "",
        "currency": currency,
        "total_amount": total,
    }
    message = send_bot_message(ctx, chat, p, {"invoice": invoice_json})
    stars = currency == STARS
    ctx.payments.add_invoice(
        Invoice(
            chat_id=chat.id,
            message_id=message.message_id,
            title=title,
            description=description,
            payload=payload,
            currency=currency,
            total_amount=total,
            need_email=p.flag("need_email") and not stars,
            need_name=p.flag("need_name") and not stars,
            need_phone_number=p.flag("need_phone_number") and not stars,
        )
    )
    return snapshot(message)


async def create_invoice_link(ctx: Context, p: Params) -> str:
    _check_invoice(p)
    return f"https://t.me/$sandbox_{ctx.profile.user['id']}_{len(ctx.payments.invoices)}"


async def answer_pre_checkout_query(ctx: Context, p: Params) -> bool:
    query_id = p.required_text("pre_checkout_query_id")
    ok = p.flag("ok")
    error_message = p.text("error_message")
    if not ok and not error_message:
        raise bad_request("ERROR_MESSAGE_EMPTY", reason="error_message is required when ok=False")
    ctx.queries.answer("pre_checkout_query", query_id, {"ok": ok, "error_message": error_message})
    return True


async def refund_star_payment(ctx: Context, p: Params) -> bool:
    user_id = p.required_integer("user_id")
    charge = ctx.payments.charges.get(p.required_text("telegram_payment_charge_id"))
    if charge is None or charge.user_id != user_id or charge.invoice.currency != STARS:
        raise bad_request("CHARGE_NOT_FOUND")
    if charge.refunded:
        raise bad_request("CHARGE_ALREADY_REFUNDED")
    chat = ctx.chats.get(user_id)
    ctx.payments.refund(charge, chat.user if chat is not None else None)
    if chat is not None:
        message = ctx.chats.add(
            chat,
            {"from": copy.deepcopy(chat.user), "refunded_payment": charge.as_refunded_payment()},
            from_bot=False,
        )
        await ctx.deliver({"message": snapshot(message)})
    return True


async def get_star_transactions(ctx: Context, p: Params) -> dict[str, Any]:
    """The bot's Star transactions in chronological order: skip `offset`, return up to `limit`."""
    offset = p.integer("offset") or 0
    limit = p.integer("limit")
    limit = TRANSACTIONS_MAX if limit is None else limit
    if offset < 0:
        raise bad_request("OFFSET_INVALID")
    if not 1 <= limit <= TRANSACTIONS_MAX:
        raise bad_request("LIMIT_INVALID")
    found = ctx.payments.star_transactions[offset : offset + limit]
    return {"transactions": copy.deepcopy(found)}


HANDLERS: dict[str, Handler] = {
    "sendInvoice": send_invoice,
    "createInvoiceLink": create_invoice_link,
    "answerPreCheckoutQuery": answer_pre_checkout_query,
    "refundStarPayment": refund_star_payment,
    "getStarTransactions": get_star_transactions,
}
