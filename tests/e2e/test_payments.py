"""Money in through the real bot and the Bot API emulator: Stars packages and custom amounts,
pre-checkout refusals, replayed payments, admin refunds, referral bonuses and promo codes."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from tests.e2e.conftest import Stack, running_stack
from trt.sandbox.botapi import StoredMessage, UserDriver
from trt.sandbox.botapi.checkout import PaymentOutcome
from trt.services.billing import Billing
from trt.services.ports import SystemClock
from trt.storage import ledger
from trt.storage.tables import ledger_entries, payment_orders

ADMIN = 7900
PAID_EN = "✅ Payment received"


@pytest.fixture
async def money_stack(db_url: str) -> AsyncIterator[Stack]:
    async with running_stack(db_url, admin_ids=(ADMIN,)) as running:
        yield running


def has(text: str) -> Callable[[StoredMessage], bool]:
    return lambda m: text in (m.text or "")


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


def texts(user: UserDriver, fragment: str) -> list[str]:
    return [m.text or "" for m in user.messages(from_bot=True) if fragment in (m.text or "")]


async def stays(condition: Callable[[], bool], seconds: float = 1.0) -> None:
    """A negative claim (nothing more happens), checked for a bounded time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        assert condition()
        await asyncio.sleep(0.05)


async def available(stack: Stack, user_id: int) -> int:
    async with stack.db.read() as tx:
        return (await ledger.get_balance(tx, user_id)).available


async def entries(stack: Stack, prefix: str) -> int:
    query = sa.select(sa.func.count()).where(ledger_entries.c.idempotency_key.startswith(prefix))
    async with stack.db.read() as tx:
        return int((await tx.execute(query)).scalar_one())


async def order_row(stack: Stack, charge_id: str) -> Any:
    query = sa.select(payment_orders).where(
        payment_orders.c.telegram_payment_charge_id == charge_id
    )
    async with stack.db.read() as tx:
        return (await tx.execute(query)).mappings().one()


async def invoice_after(user: UserDriver, press: str) -> StoredMessage:
    before = user.last_message()
    await user.click(press)
    return await user.wait_for(lambda m: m.kind == "invoice", since=before)


async def buy(user: UserDriver, package: str, *, paid_text: str = PAID_EN) -> PaymentOutcome:
    """/topup, a package, pay; returns once the bot confirmed the payment."""
    await user.send_command("/topup")
    await user.wait_for(lambda m: bool(m.buttons) and package in labels(m))
    invoice = await invoice_after(user, package)
    outcome = await user.pay(invoice, deadline=10)
    assert outcome.ok, outcome
    await user.wait_for(has(paid_text), since=invoice)
    return outcome


async def pre_checkout(stack: Stack, user: UserDriver, *, payload: str, total: int) -> Any:
    """A raw pre_checkout_query, as a modified client could send it; returns the bot's answer."""
    query_id = f"raw-{payload}-{total}"
    pending = stack.telegram.ctx.queries.open("pre_checkout_query", query_id, max_age=10)
    await stack.telegram.push_update(
        {
            "pre_checkout_query": {
                "id": query_id,
                "from": user.user,
                "currency": "XTR",
                "total_amount": total,
                "invoice_payload": payload,
            }
        }
    )
    return await asyncio.wait_for(pending.answer, 10)


async def test_a_package_is_paid_in_stars_and_credited_once(money_stack: Stack) -> None:
    user = money_stack.telegram.user(user_id=7001, language_code="en")
    await user.send_command("/start")
    menu = await user.wait_for(has("Hi,"))
    assert "💳 Top up" in labels(menu)
    await user.click("💰 Balance")
    await user.wait_for(has("💰 Balance: 0 ₽"))
    await user.click("💳 Top up")
    screen = await user.wait_for(has("Top up with Telegram Stars"))
    assert labels(screen) == [
        "50 ⭐ → 100 ₽",
        "100 ⭐ → 210 ₽",
        "250 ⭐ → 550 ₽",
        "✏️ Other amount",
        "⬅️ Back",
    ]

    invoice = await invoice_after(user, "50 ⭐ → 100 ₽")
    [call] = money_stack.telegram.sent("sendInvoice")
    prices = call.params["prices"]
    prices = json.loads(prices) if isinstance(prices, str) else prices
    assert (call.params["currency"], prices) == ("XTR", [{"label": "Top-up 100 ₽", "amount": 50}])
    assert "provider_token" not in call.params
    assert call.params["payload"].startswith("topup:7001:")
    assert len(call.params["payload"].encode()) <= 128

    outcome = await user.pay(invoice, deadline=10)
    assert outcome.ok
    assert outcome.payment_update_id is not None
    done = await user.wait_for(has(PAID_EN))
    assert done.text == f"{PAID_EN}: 50 ⭐, 100 ₽ credited.\n💰 Balance: 100 ₽"

    await money_stack.telegram.redeliver(outcome.payment_update_id)
    await user.send_command("/balance")
    balance = await user.wait_for(has("💰 Balance: 100 ₽"), since=done)
    assert "top-up · 100 ₽" in (balance.text or "")
    await stays(lambda: len(texts(user, PAID_EN)) == 1)
    assert await available(money_stack, 7001) == 10_000
    assert await entries(money_stack, "tg-charge:") == 1
    row = await order_row(money_stack, outcome.telegram_payment_charge_id or "")
    assert (row["status"], row["amount"], row["credit"]) == ("paid", 50, 10_000)
    assert outcome.charge is not None
    assert row["provider_payment_charge_id"] == outcome.charge.provider_payment_charge_id

    await user.click("📄 Payments")
    listing = await user.wait_for(has("📄 Your payments:"))
    assert f"#{row['id']} · 50 ⭐ → 100 ₽ · paid" in (listing.text or "")


async def test_a_custom_amount_is_asked_for_and_converted_at_the_rate(money_stack: Stack) -> None:
    user = money_stack.telegram.user(user_id=7003, language_code="ru")
    await user.send_command("/start")
    await user.wait_for(has("Привет"))
    await user.click("💳 Пополнить")
    await user.wait_for(has("Пополнение звёздами Telegram"))
    await user.click("✏️ Другая сумма")
    await user.wait_for(has("Сколько звёзд?"))
    await user.click("⬅️ Назад")  # changed their mind: a number is just text again
    await user.wait_for(has("Пополнение звёздами Telegram"))
    await user.send_text("75")
    await user.wait_for(has("Я понимаю кнопки меню и команды"))
    await user.click("✏️ Другая сумма")
    await user.wait_for(has("Сколько звёзд?"))
    await user.send_text("5")
    await user.wait_for(has("Пришлите целое число звёзд от 20 до"))
    await user.send_text("75")
    invoice = await user.wait_for(lambda m: m.kind == "invoice")
    assert invoice.data["invoice"]["total_amount"] == 75
    assert (await user.pay(invoice)).ok
    await user.wait_for(has("✅ Оплата получена: 75 ⭐, зачислено 150 ₽."))

    before = user.last_message()
    await user.send_command("/topup", "30")
    direct = await user.wait_for(lambda m: m.kind == "invoice", since=before)
    assert direct.data["invoice"]["total_amount"] == 30
    assert (await user.pay(direct)).ok
    await user.wait_for(has("💰 Баланс: 210 ₽"), since=direct)
    assert await available(money_stack, 7003) == 21_000


async def test_pre_checkout_refuses_unknown_tampered_and_foreign_orders(money_stack: Stack) -> None:
    user = money_stack.telegram.user(user_id=7002, language_code="en")
    other = money_stack.telegram.user(user_id=7012, language_code="en")
    await other.send_command("/start")
    await other.wait_for(has("Hi,"))
    await user.send_command("/topup")
    await user.wait_for(has("Top up with"))
    invoice = await invoice_after(user, "100 ⭐ → 210 ₽")
    book = money_stack.telegram.ctx.payments
    issued = book.invoice(user.user_id, invoice.message_id)
    assert issued is not None

    book.add_invoice(replace(issued, total_amount=1))  # a client that changed the price
    tampered = await user.pay(invoice)
    assert (tampered.status, tampered.error_message) == (
        "refused",
        "The invoice amount does not match the order. Open /topup and try again.",
    )
    book.add_invoice(replace(issued, payload="topup:7002:forged"))
    forged = await user.pay(invoice)
    assert (forged.status, forged.error_message) == (
        "refused",
        "This invoice is not valid. Open /topup and try again.",
    )
    foreign = await pre_checkout(money_stack, other, payload=issued.payload, total=100)
    assert foreign == {"ok": False, "error_message": "This invoice was issued to another user."}
    cheaper = await pre_checkout(money_stack, user, payload=issued.payload, total=99)
    assert cheaper == {
        "ok": False,
        "error_message": "The invoice amount does not match the order. Open /topup and try again.",
    }
    garbage = await pre_checkout(money_stack, other, payload="x" * 128, total=100)
    assert garbage["ok"] is False
    assert book.charges == {}

    book.add_invoice(issued)
    assert (await user.pay(invoice)).ok
    await user.wait_for(has(PAID_EN))
    again = await user.pay(invoice)
    assert (again.status, again.error_message) == (
        "refused",
        "This invoice is already paid or closed. Open /topup for a new one.",
    )
    assert len(book.charges) == 1
    assert await available(money_stack, 7002) == 21_000


async def test_an_admin_refund_is_refused_when_the_money_is_spent_unless_forced(
    money_stack: Stack,
) -> None:
    user = money_stack.telegram.user(user_id=7004, language_code="en")
    admin = money_stack.telegram.user(user_id=ADMIN, language_code="en")
    outcome = await buy(user, "50 ⭐ → 100 ₽")
    charge = outcome.telegram_payment_charge_id or ""
    order_id = (await order_row(money_stack, charge))["id"]

    await user.send_command("/refund", str(order_id))
    await user.wait_for(has("I understand menu buttons and commands"))

    billing = Billing(db=money_stack.db, clock=SystemClock())
    await billing.debit(user_id=7004, amount=6_000, key="e2e-spend", reason="a generation")
    await admin.send_command("/refund", str(order_id))
    await admin.wait_for(
        has(f"Order #{order_id} is not refunded: 100 ₽ was credited, but only 40 ₽ is left")
    )
    assert not money_stack.telegram.ctx.payments.charges[charge].refunded

    await admin.send_command("/refund", f"{order_id} force")
    await admin.wait_for(
        has(f"↩️ Order #{order_id} refunded: 50 ⭐ returned to the user, 40 ₽ taken")
    )
    await user.wait_for(has("↩️ 50 ⭐ were refunded to you; 40 ₽ was taken from the balance."))
    assert money_stack.telegram.ctx.payments.charges[charge].refunded
    await user.send_command("/balance")
    await user.wait_for(has("💰 Balance: 0 ₽"))
    await stays(lambda: len(texts(user, "were refunded to you")) == 1)
    row = await order_row(money_stack, charge)
    assert (row["status"], row["refund_debit"]) == ("refunded", 4_000)
    assert await entries(money_stack, "tg-refund:") == 1

    await admin.send_command("/refund", str(order_id))
    await admin.wait_for(has(f"Order #{order_id} is already refunded (40 ₽"))
    await admin.send_command("/refund", "nonsense")
    await admin.wait_for(has("No order nonsense."))
    await admin.send_command("/refund")
    await admin.wait_for(has("Usage: /refund"))


async def test_a_refund_by_charge_id_and_one_made_outside_the_bot_are_both_recorded(
    money_stack: Stack,
) -> None:
    admin = money_stack.telegram.user(user_id=ADMIN, language_code="en")
    first = money_stack.telegram.user(user_id=7005, language_code="en")
    charge = (await buy(first, "100 ⭐ → 210 ₽")).telegram_payment_charge_id or ""
    await admin.send_command("/refund", charge)
    await admin.wait_for(has("refunded: 100 ⭐ returned to the user, 210 ₽ taken"))
    await first.wait_for(has("were refunded to you"))

    second = money_stack.telegram.user(user_id=7006, language_code="en")
    other_charge = (await buy(second, "50 ⭐ → 100 ₽")).telegram_payment_charge_id or ""
    url = f"{money_stack.telegram.base_url}/bot{money_stack.telegram.token}/refundStarPayment"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json={"user_id": 7006, "telegram_payment_charge_id": other_charge}) as r,
    ):
        assert (await r.json())["ok"] is True
    await second.wait_for(has("↩️ 50 ⭐ were refunded to you; 100 ₽ was taken from the balance."))
    row = await order_row(money_stack, other_charge)
    assert (row["status"], row["refund_debit"]) == ("refunded", 10_000)
    assert (await available(money_stack, 7005), await available(money_stack, 7006)) == (0, 0)
    assert await entries(money_stack, "tg-refund:") == 2


async def test_the_inviter_gets_a_bonus_for_the_first_top_up_only(money_stack: Stack) -> None:
    inviter = money_stack.telegram.user(user_id=7101, language_code="en")
    invitee = money_stack.telegram.user(user_id=7102, language_code="en")
    known = money_stack.telegram.user(user_id=7103, language_code="en")
    await inviter.send_command("/start")
    await inviter.wait_for(has("Hi,"))
    await known.send_command("/start")
    await known.wait_for(has("Hi,"))
    for someone in (invitee, known, inviter):  # a new user, an old one, oneself
        before = someone.last_message()
        await someone.send_command("/start", "ref_7101")
        await someone.wait_for(has("Hi,"), since=before)

    await inviter.send_command("/balance")
    await inviter.wait_for(has("💰 Balance"))
    await inviter.click("👥 Invite friends")
    screen = await inviter.wait_for(has("Invite friends\n"))
    assert "https://t.me/trt_sandbox_bot?start=ref_7101" in (screen.text or "")
    assert "Invited: 1 · earned: 0 ₽" in (screen.text or "")

    await buy(invitee, "50 ⭐ → 100 ₽")
    await inviter.wait_for(has("🎉 A friend you invited made their first top-up: 50 ₽"))
    await buy(invitee, "100 ⭐ → 210 ₽")
    await buy(known, "50 ⭐ → 100 ₽")
    await stays(lambda: len(texts(inviter, "🎉")) == 1)
    assert await available(money_stack, 7101) == 5_000
    assert await entries(money_stack, "ref-bonus:") == 1

    await inviter.send_command("/balance")
    await inviter.wait_for(has("💰 Balance: 50 ₽"))
    await inviter.click("👥 Invite friends")
    await inviter.wait_for(has("Invited: 1 · earned: 50 ₽"))


async def test_promo_codes_are_created_by_admins_and_used_once_per_user(
    money_stack: Stack,
) -> None:
    admin = money_stack.telegram.user(user_id=ADMIN, language_code="en")
    first, second, third = (
        money_stack.telegram.user(user_id=user_id, language_code="en")
        for user_id in (7201, 7202, 7203)
    )
    await first.send_command("/promo_new", "FREE 100 5")
    await first.wait_for(has("I understand menu buttons and commands"))

    await admin.send_command("/promo_new", "SPRING 30 2 7")
    await admin.wait_for(has("Promo code SPRING created: 30 ₽, up to 2 uses, valid until"))
    await admin.send_command("/promo_new", "spring 99 9")
    await admin.wait_for(has("Promo code SPRING already exists."))
    await admin.send_command("/promo_new", "SPRING")
    await admin.wait_for(has("Usage: /promo_new"))

    await first.send_command("/promo", "spring")
    await first.wait_for(has("🎟 Promo code SPRING activated: +30 ₽.\n💰 Balance: 30 ₽"))
    await first.send_command("/promo", "SPRING")
    await first.wait_for(has("You have already used this promo code."))

    await second.send_command("/balance")
    await second.wait_for(has("💰 Balance"))
    await second.click("🎟 Promo code")
    await second.wait_for(has("Send the promo code."))
    await second.send_text("??")
    await second.wait_for(has("That is not a promo code"))
    await second.send_text("SPRING")
    await second.wait_for(has("activated: +30 ₽"))

    await third.send_command("/promo", "SPRING")
    await third.wait_for(has("This promo code has run out."))
    await third.send_command("/promo", "NOPE1")
    await third.wait_for(has("There is no such promo code."))
    assert [await available(money_stack, u) for u in (7201, 7202, 7203)] == [3_000, 3_000, 0]
