"""Payments: invoice rules, the pre-checkout deadline, duplicate payments and Star refunds."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import LabeledPrice, Message, Update

from trt.sandbox.botapi import BotApiEmulator, UserDriver
from trt.sandbox.botapi.checkout import PaymentOutcome

STARS = [LabeledPrice(label="100 ⭐", amount=100)]


async def next_updates(bot: Bot, offset: int | None = None) -> list[Update]:
    return await bot.get_updates(offset=offset, timeout=2)


async def pay_and_answer(
    bot: Bot, user: UserDriver, invoice: Message, *, ok: bool, email: str | None = None
) -> tuple[PaymentOutcome, list[Update]]:
    """Run the user's payment while the bot answers the pre-checkout query by hand."""
    paying = asyncio.create_task(user.pay(invoice.message_id, email=email, deadline=3))
    [query_update] = await next_updates(bot)
    query = query_update.pre_checkout_query
    assert query is not None
    await bot.answer_pre_checkout_query(query.id, ok=ok, error_message=None if ok else "sold out")
    outcome = await asyncio.wait_for(paying, 5)
    after = await next_updates(bot, offset=query_update.update_id + 1) if ok else []
    return outcome, after


async def test_stars_payment_then_duplicate_then_refund(emulator: BotApiEmulator, bot: Bot) -> None:
    user = emulator.user(user_id=31)
    invoice = await bot.send_invoice(31, "Stars", "Пополнение", "topup:31:100", "XTR", STARS)
    assert invoice.invoice is not None
    assert invoice.invoice.total_amount == 100
    outcome, [paid] = await pay_and_answer(bot, user, invoice, ok=True)
    assert outcome.ok
    assert outcome.payment_update_id == paid.update_id
    assert paid.message is not None
    assert paid.message.successful_payment is not None
    payment = paid.message.successful_payment
    assert (payment.currency, payment.total_amount, payment.invoice_payload) == (
        "XTR",
        100,
        "topup:31:100",
    )
    assert payment.telegram_payment_charge_id == outcome.telegram_payment_charge_id

    await emulator.redeliver(paid.update_id)
    [duplicate] = await next_updates(bot, offset=paid.update_id + 1)
    assert duplicate.message is not None
    assert duplicate.message.successful_payment is not None
    assert duplicate.message.successful_payment.telegram_payment_charge_id == (
        payment.telegram_payment_charge_id
    )

    assert await bot.refund_star_payment(31, payment.telegram_payment_charge_id)
    [refund] = await next_updates(bot, offset=duplicate.update_id + 1)
    assert refund.message is not None
    assert refund.message.refunded_payment is not None
    assert refund.message.refunded_payment.total_amount == 100
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(31, payment.telegram_payment_charge_id)
    with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
        await bot.refund_star_payment(31, "stxUnknown")


async def test_refused_payment_charges_nothing(emulator: BotApiEmulator, bot: Bot) -> None:
    user = emulator.user(user_id=32)
    invoice = await bot.send_invoice(32, "Stars", "Пополнение", "p", "XTR", STARS)
    outcome, _ = await pay_and_answer(bot, user, invoice, ok=False)
    assert (outcome.status, outcome.error_message) == ("refused", "sold out")
    assert emulator.ctx.payments.charges == {}
    assert [m.kind for m in user.messages()] == ["invoice"]


async def test_unanswered_pre_checkout_times_out_and_late_answer_is_refused(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    user = emulator.user(user_id=33)
    invoice = await bot.send_invoice(33, "Stars", "Пополнение", "p", "XTR", STARS)
    outcome = await user.pay(invoice.message_id, deadline=0.3)
    assert outcome.status == "timeout"
    [query_update] = await next_updates(bot)
    assert query_update.pre_checkout_query is not None
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_pre_checkout_query(query_update.pre_checkout_query.id, ok=True)


async def test_provider_invoice_carries_email_and_receipt(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    user = emulator.user(user_id=34)
    receipt = '{"receipt": {"items": [{"description": "Пополнение"}]}}'
    invoice = await bot.send_invoice(
        34,
        "Баланс",
        "Пополнение на 100 ₽",
        "rub:34",
        "RUB",
        [LabeledPrice(label="100 ₽", amount=10000)],
        provider_token="381764678:TEST:1",
        provider_data=receipt,
        need_email=True,
        send_email_to_provider=True,
    )
    call = emulator.sent("sendInvoice")[-1]
    assert call.params["provider_data"]["receipt"]["items"][0]["description"] == "Пополнение"
    assert call.params["need_email"] == "true"
    paying = asyncio.create_task(user.pay(invoice.message_id, email="a@b.ru", deadline=3))
    [query_update] = await next_updates(bot)
    query = query_update.pre_checkout_query
    assert query is not None
    assert query.order_info is not None
    assert query.order_info.email == "a@b.ru"
    await bot.answer_pre_checkout_query(query.id, ok=True)
    outcome = await asyncio.wait_for(paying, 5)
    assert outcome.message is not None
    assert outcome.message.data["successful_payment"]["order_info"] == {"email": "a@b.ru"}


@pytest.mark.parametrize(
    ("currency", "prices", "token", "error"),
    [
        ("XTR", [("a", 1), ("b", 2)], None, "STARS_INVOICE_INVALID"),
        ("XTR", [("a", 1)], "381764678:TEST:1", "STARS_INVOICE_INVALID"),
        ("RUB", [("a", 10000)], None, "PAYMENT_PROVIDER_INVALID"),
        ("XTR", [("a", 0)], None, "CURRENCY_TOTAL_AMOUNT_INVALID"),
    ],
)
async def test_invalid_invoices_are_refused(
    emulator: BotApiEmulator,
    bot: Bot,
    currency: str,
    prices: list[tuple[str, int]],
    token: str | None,
    error: str,
) -> None:
    emulator.user(user_id=35)
    labeled = [LabeledPrice(label=label, amount=amount) for label, amount in prices]
    with pytest.raises(TelegramBadRequest, match=error):
        await bot.send_invoice(35, "T", "D", "p", currency, labeled, provider_token=token)


async def test_payload_over_128_bytes_is_refused(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.user(user_id=36)
    with pytest.raises(TelegramBadRequest, match="INVOICE_PAYLOAD_INVALID"):
        await bot.send_invoice(36, "T", "D", "я" * 65, "XTR", STARS)


async def test_star_transactions_list_payments_and_refunds_oldest_first(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    user = emulator.user(user_id=32, first_name="Payer")
    charges = []
    for payload in ("topup:32:a", "topup:32:b"):
        invoice = await bot.send_invoice(32, "Stars", "Пополнение", payload, "XTR", STARS)
        outcome, _ = await pay_and_answer(bot, user, invoice, ok=True)
        charges.append(outcome.telegram_payment_charge_id)
        emulator.ctx.updates.drop_pending()  # as if the bot had confirmed them
    assert await bot.refund_star_payment(32, charges[0] or "")

    listed = (await bot.get_star_transactions()).transactions
    assert [(t.id, t.amount) for t in listed] == [
        (charges[0], 100),
        (charges[1], 100),
        (charges[0], 100),
    ]
    first, refund = listed[0], listed[2]
    assert first.source is not None
    assert first.receiver is None
    assert (first.source.type, first.source.user.id) == ("user", 32)  # type: ignore[union-attr]
    assert first.source.invoice_payload == "topup:32:a"  # type: ignore[union-attr]
    assert refund.source is None
    assert refund.receiver is not None
    tail = (await bot.get_star_transactions(offset=1, limit=1)).transactions
    assert [t.id for t in tail] == [charges[1]]
