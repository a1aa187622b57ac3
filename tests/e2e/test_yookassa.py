"""Card / SBP top-ups end to end: the real bot with the Bot API emulator and the YooKassa
simulator, on both engines. A user picks an amount, gives a receipt contact once, opens the
payment link and pays on the simulator's page; the notification wakes the order, the bot
re-reads the payment and credits it once, and the user hears about it once."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from tests.e2e.conftest import Stack, running_stack
from tests.e2e.test_payments import available, buy, entries, has, labels, stays, texts
from trt.sandbox.botapi import StoredMessage, UserDriver
from trt.sandbox.yookassa import Fault, NotificationPolicy, YooKassaSimulator
from trt.storage.tables import payment_orders

SHOP, SECRET = "100500", "e2e_yookassa_secret"
PAID_EN = "✅ Card payment received"
LINK_EN = "💳 Top-up of"
FAST_NOTES = NotificationPolicy(timeout=5.0, attempts=3, retry_delay=0.1)


@asynccontextmanager
async def card_stack(
    db_url: str, **overrides: object
) -> AsyncIterator[tuple[Stack, YooKassaSimulator]]:
    async with YooKassaSimulator(shop_id=SHOP, secret_key=SECRET, policy=FAST_NOTES) as shop:
        settings: dict[str, object] = {
            "yookassa_shop_id": SHOP,
            "yookassa_secret_key": SECRET,
            "yookassa_api_base": shop.api_base,
            "yookassa_check_seconds": 3600,  # notifications do the work unless a test says
        }
        async with running_stack(db_url, **(settings | overrides)) as stack:
            shop.notification_url = f"{stack.base_url}/payments/yookassa"
            yield stack, shop


@pytest.fixture
async def card(db_url: str) -> AsyncIterator[tuple[Stack, YooKassaSimulator]]:
    async with card_stack(db_url) as running:
        yield running


def link_of(message: StoredMessage) -> str:
    [url] = [b["url"] for row in message.buttons for b in row if "url" in b]
    assert isinstance(url, str)
    return url


async def open_card_screen(user: UserDriver) -> StoredMessage:
    await user.send_command("/topup")
    await user.wait_for(lambda m: "💳 Bank card / SBP" in labels(m))
    await user.click("💳 Bank card / SBP")
    return await user.wait_for(has("Top up by bank card or SBP"))


async def link_after(user: UserDriver, press: str) -> StoredMessage:
    before = user.last_message()
    await user.click(press)
    return await user.wait_for(has(LINK_EN), since=before)


async def pay_on_page(url: str, action: str = "pay") -> str:
    """What a browser does on the confirmation page: load it, press a button."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as page:
            assert page.status == 200
            assert f'/{action}"' in await page.text()  # the page has the button to press
        async with session.post(f"{url}/{action}") as result:
            assert result.status == 200
            return await result.text()


async def order_rows(stack: Stack) -> list[Any]:
    query = sa.select(payment_orders).order_by(payment_orders.c.id)
    async with stack.db.read() as tx:
        return list((await tx.execute(query)).mappings().all())


async def test_a_user_pays_by_card_and_is_credited_once(
    card: tuple[Stack, YooKassaSimulator],
) -> None:
    stack, shop = card
    user = stack.telegram.user(user_id=7301, language_code="en")
    await user.send_command("/start")
    await user.wait_for(has("Hi,"))
    screen = await open_card_screen(user)
    assert labels(screen) == ["100 ₽", "300 ₽", "500 ₽", "1 000 ₽", "✏️ Other amount", "⬅️ Back"]

    await user.click("300 ₽")
    await user.wait_for(has("receipt"))
    before = user.last_message()
    await user.send_text("my email")
    await user.wait_for(has("neither an email nor a phone"), since=before)
    await user.send_text("Payer@Example.com")
    link = await user.wait_for(has(LINK_EN))
    assert "payer@example.com" not in (link.text or "")  # the domain is normalised, not the name
    assert "Payer@example.com" in (link.text or "")
    assert labels(link)[0] == "Pay 300 ₽"
    [payment] = shop.payments()
    assert link_of(link) == payment["confirmation"]["confirmation_url"]
    receipt = shop.receipt(payment["id"])
    assert receipt is not None
    assert receipt["customer"] == {"email": "Payer@example.com"}
    assert receipt["items"][0]["amount"] == {"value": "300.00", "currency": "RUB"}
    assert payment["amount"] == {"value": "300.00", "currency": "RUB"}

    page = await pay_on_page(link_of(link))
    assert "Оплачено · Paid" in page
    done = await user.wait_for(has(PAID_EN), since=link, timeout=10)
    assert done.text == f"{PAID_EN}: 300 ₽ credited.\n💰 Balance: 300 ₽"

    shop.resend(payment["id"], copies=5)  # five copies at once
    assert await shop.wait_notifications(10)
    await stays(lambda: len(texts(user, PAID_EN)) == 1)
    assert await available(stack, 7301) == 30_000
    assert await entries(stack, "yk:") == 1
    [row] = await order_rows(stack)
    assert (row["method"], row["status"], row["currency"]) == ("yookassa", "paid", "RUB")
    assert (row["amount"], row["credit"], row["external_id"]) == (30_000, 30_000, payment["id"])

    await open_card_screen(user)  # the contact is remembered: straight to the link
    second = await link_after(user, "100 ₽")
    assert "Payer@example.com" in (second.text or "")
    before = user.last_message()
    await user.send_command("/balance")
    await user.wait_for(has("💰 Balance: 300 ₽"), since=before)
    await user.click("📄 Payments")  # the balance message turns into the payment list
    history = await user.wait_for(has("Your payments"))
    assert "💳 card / SBP · 300 ₽ · paid" in (history.text or "")


async def test_a_custom_amount_and_another_contact(
    card: tuple[Stack, YooKassaSimulator],
) -> None:
    stack, shop = card
    user = stack.telegram.user(user_id=7302, language_code="en")
    await open_card_screen(user)
    await user.click("✏️ Other amount")
    await user.wait_for(has("How much?"))
    for wrong in ("ten", "10", "50000.01"):
        before = user.last_message()
        await user.send_text(wrong)
        await user.wait_for(has("That is not an amount from 50 ₽ to 50 000 ₽"), since=before)
    await user.send_text("750")
    await user.wait_for(has("receipt"))
    await user.send_text("+7 912 345-67-89")
    link = await user.wait_for(has(LINK_EN))
    assert "750 ₽" in (link.text or "")
    assert "+79123456789" in (link.text or "")

    before = user.last_message()
    await user.click("✉️ Another email / phone")
    await user.wait_for(has("receipt"), since=before)
    await user.send_text("other@example.org")
    again = await user.wait_for(has("other@example.org"), since=before)
    assert labels(again)[0] == "Pay 750 ₽"
    assert [(shop.receipt(p["id"]) or {})["customer"] for p in shop.payments()] == [
        {"phone": "79123456789"},
        {"email": "other@example.org"},
    ]


async def test_forged_notifications_get_200_and_change_nothing(
    card: tuple[Stack, YooKassaSimulator],
) -> None:
    stack, shop = card
    user = stack.telegram.user(user_id=7303, language_code="en")
    await open_card_screen(user)
    await user.click("500 ₽")
    await user.wait_for(has("receipt"))
    await user.send_text("payer@example.com")
    await user.wait_for(has(LINK_EN))
    [payment] = shop.payments()
    claimed = dict(payment, status="succeeded", paid=True)
    forged = [
        {"type": "notification", "event": "payment.succeeded", "object": claimed},
        {
            "type": "notification",
            "event": "payment.succeeded",
            "object": dict(claimed, id="2419a771-000f-5000-9000-1edaf29243f2"),
        },
    ]
    async with aiohttp.ClientSession() as session:
        for body in [*(json.dumps(b).encode() for b in forged), b"\x00garbage", b"{}"]:
            async with session.post(f"{stack.base_url}/payments/yookassa", data=body) as answer:
                assert answer.status == 200

    await stays(lambda: not texts(user, PAID_EN), seconds=1.5)
    assert await available(stack, 7303) == 0
    assert await entries(stack, "yk:") == 0
    [row] = await order_rows(stack)
    assert row["status"] == "pending"


async def test_a_cancelled_payment_closes_the_order_and_credits_nothing(
    card: tuple[Stack, YooKassaSimulator],
) -> None:
    stack, _ = card
    user = stack.telegram.user(user_id=7304, language_code="ru")
    await user.send_command("/topup")
    await user.wait_for(lambda m: "💳 Картой / СБП" in labels(m))
    await user.click("💳 Картой / СБП")
    await user.wait_for(has("Пополнение банковской картой"))
    await user.click("100 ₽")
    await user.wait_for(has("чек"))
    await user.send_text("8 912 345 67 89")
    link = await user.wait_for(has("💳 Пополнение на 100 ₽"))

    page = await pay_on_page(link_of(link), "cancel")
    assert "Отменено" in page
    cancelled = await user.wait_for(has("❌ Оплата картой на 100 ₽ отменена"), timeout=10)
    assert cancelled.text is not None

    await stays(lambda: len(texts(user, "❌")) == 1)
    [row] = await order_rows(stack)
    assert row["status"] == "cancelled"
    assert await available(stack, 7304) == 0


async def test_a_lost_notification_is_caught_by_the_re_read(db_url: str) -> None:
    async with card_stack(db_url, yookassa_check_seconds=0.3) as (stack, shop):
        user = stack.telegram.user(user_id=7305, language_code="en")
        await open_card_screen(user)
        await user.click("1 000 ₽")
        await user.wait_for(has("receipt"))
        await user.send_text("payer@example.com")
        link = await user.wait_for(has(LINK_EN))
        shop.drop_next_notifications(1)

        await pay_on_page(link_of(link))

        done = await user.wait_for(has(PAID_EN), since=link, timeout=15)
        assert "1 000 ₽ credited" in (done.text or "")
        assert [a.dropped for a in shop.notifications] == [True]
        await stays(lambda: len(texts(user, PAID_EN)) == 1)
        assert await entries(stack, "yk:") == 1


async def test_yookassa_down_at_create_gets_a_clear_message_and_cancels_the_order(
    card: tuple[Stack, YooKassaSimulator],
) -> None:
    stack, shop = card
    user = stack.telegram.user(user_id=7306, language_code="en")
    await open_card_screen(user)
    await user.click("100 ₽")
    await user.wait_for(has("receipt"))
    shop.inject_fault(Fault(status=500, count=50))
    await user.send_text("payer@example.com")

    refused = await user.wait_for(has("cannot be reached"), timeout=20)
    assert "Nothing was charged" in (refused.text or "")
    [row] = await order_rows(stack)
    assert (row["status"], row["external_id"]) == ("cancelled", None)
    assert shop.payments() == []


async def test_the_referral_bonus_is_paid_once_across_stars_and_card(
    card: tuple[Stack, YooKassaSimulator],
) -> None:
    stack, _ = card
    inviter = stack.telegram.user(user_id=7401, language_code="en")
    first, second = (stack.telegram.user(user_id=i, language_code="en") for i in (7402, 7403))
    await inviter.send_command("/start")
    await inviter.wait_for(has("Hi,"))
    for invitee in (first, second):
        await invitee.send_command("/start", "ref_7401")
        await invitee.wait_for(has("Hi,"))

    await card_top_up(first, "100 ₽")  # card first, then Stars
    await inviter.wait_for(has("🎉 A friend you invited made their first top-up: 50 ₽"))
    await buy(first, "50 ⭐ → 100 ₽")
    await buy(second, "50 ⭐ → 100 ₽")  # Stars first, then card
    await card_top_up(second, "300 ₽")

    await stays(lambda: len(texts(inviter, "🎉")) == 2)
    assert await entries(stack, "ref-bonus:") == 2
    assert await available(stack, 7401) == 10_000


async def card_top_up(user: UserDriver, amount: str) -> None:
    await open_card_screen(user)
    before = user.last_message()
    await user.click(amount)
    asked = await user.wait_for(
        lambda m: LINK_EN in (m.text or "") or "receipt" in (m.text or ""), since=before
    )
    if LINK_EN not in (asked.text or ""):
        await user.send_text("payer@example.com")
    link = await user.wait_for(has(LINK_EN), since=before)
    await pay_on_page(link_of(link))
    await user.wait_for(has(PAID_EN), since=link, timeout=10)


async def test_card_top_ups_are_offered_only_when_yookassa_is_configured(
    db_url: str,
) -> None:
    async with running_stack(db_url) as stack:
        user = stack.telegram.user(user_id=7307, language_code="en")
        await user.send_command("/topup")
        screen = await user.wait_for(has("Top up with Telegram Stars"))
        assert "💳 Bank card / SBP" not in labels(screen)
        async with aiohttp.ClientSession() as session:
            body = b'{"event": "payment.succeeded", "object": {"id": "x1"}}'
            async with session.post(f"{stack.base_url}/payments/yookassa", data=body) as answer:
                assert answer.status == 200
