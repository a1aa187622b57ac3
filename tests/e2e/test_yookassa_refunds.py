"""Admin refunds of card payments end to end: the real bot with the Bot API emulator and the
YooKassa simulator, on both engines. A user pays by card; the admin's `/refund <order id>` (the
same command as for Stars) returns the payment through YooKassa, the balance drops, the user is
told once in their own language (YooKassa's `refund.succeeded` notification arriving as well
changes nothing), and a second `/refund` says it is already refunded. Spent money is refused
unless forced, a refund YooKassa cancels changes nothing, and a pending one is recorded when its
notification says it succeeded."""

from collections.abc import AsyncIterator

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_payments import available, entries, has, labels, stays, texts
from tests.e2e.test_yookassa import card_stack, card_top_up, link_of, order_rows, pay_on_page
from trt.sandbox.botapi import UserDriver
from trt.sandbox.yookassa import RefundStatus, YooKassaSimulator
from trt.services.billing import Billing
from trt.services.ports import SystemClock

ADMIN = 7950
TOLD_EN = "was refunded to your card"
TOLD_RU = "Вам на карту возвращено"


@pytest.fixture
async def card(db_url: str) -> AsyncIterator[tuple[Stack, YooKassaSimulator]]:
    async with card_stack(db_url, admin_ids=(ADMIN,)) as running:
        yield running


async def card_top_up_in_russian(user: UserDriver) -> None:
    await user.send_command("/topup")
    await user.wait_for(lambda m: "💳 Картой / СБП" in labels(m))
    await user.click("💳 Картой / СБП")
    await user.wait_for(has("Пополнение банковской картой"))
    await user.click("300 ₽")
    await user.wait_for(has("чек"))
    await user.send_text("payer@example.com")
    link = await user.wait_for(has("💳 Пополнение на 300 ₽"))
    await pay_on_page(link_of(link))
    await user.wait_for(has("✅ Оплата картой получена"), since=link, timeout=10)


async def test_an_admin_refunds_a_card_payment_once_and_the_user_is_told_once(
    card: tuple[Stack, YooKassaSimulator],
) -> None:
    stack, shop = card
    user = stack.telegram.user(user_id=7601, language_code="ru")
    admin = stack.telegram.user(user_id=ADMIN, language_code="en")
    await card_top_up_in_russian(user)
    [order] = await order_rows(stack)
    assert await available(stack, 7601) == 30_000

    await admin.send_command("/refund", str(order["id"]))

    await admin.wait_for(
        has(
            f"↩️ Order #{order['id']} refunded: 300 ₽ is going back to the user's card, "
            "300 ₽ taken from their balance (now 0 ₽)."
        ),
        timeout=10,
    )
    told = await user.wait_for(has(TOLD_RU), timeout=10)
    assert told.text == "↩️ Вам на карту возвращено 300 ₽; с баланса списано 300 ₽ (осталось 0 ₽)."
    assert await shop.wait_notifications(10)
    assert "refund.succeeded" in [n.event for n in shop.notifications]
    await stays(lambda: len(texts(user, TOLD_RU)) == 1, seconds=1.5)
    assert await available(stack, 7601) == 0
    assert await entries(stack, "yk-refund:") == 1
    [row] = await order_rows(stack)
    assert (row["status"], row["refund_debit"]) == ("refunded", 30_000)
    payment = shop.payment(row["external_id"])
    assert payment is not None
    assert payment["refunded_amount"] == {"value": "300.00", "currency": "RUB"}
    [refund] = shop.refunds.all()
    assert refund.receipt is not None
    assert refund.receipt["customer"] == {"email": "payer@example.com"}

    before = admin.last_message()
    await admin.send_command("/refund", str(order["id"]))
    await admin.wait_for(
        has(f"Order #{order['id']} is already refunded (300 ₽ was taken from the balance)."),
        since=before,
    )
    assert len(shop.refunds.all()) == 1
    await user.send_command("/balance")
    await user.wait_for(has("💰 Баланс: 0 ₽"))


async def test_spent_money_a_cancelled_refund_and_a_pending_one(
    card: tuple[Stack, YooKassaSimulator],
) -> None:
    stack, shop = card
    user = stack.telegram.user(user_id=7602, language_code="en")
    admin = stack.telegram.user(user_id=ADMIN, language_code="en")
    await card_top_up(user, "100 ₽")
    await card_top_up(user, "300 ₽")
    first, second = (row["id"] for row in await order_rows(stack))
    billing = Billing(db=stack.db, clock=SystemClock())
    await billing.debit(user_id=7602, amount=35_000, key="e2e-spend", reason="generations")

    await admin.send_command("/refund", str(first))
    await admin.wait_for(
        has(f"Order #{first} is not refunded: 100 ₽ was credited, but only 50 ₽ is left")
    )
    assert shop.refunds.all() == []

    shop.refunds.plan(RefundStatus.CANCELED, reason="general_decline")
    await admin.send_command("/refund", f"{first} force")
    await admin.wait_for(
        has(f"❌ YooKassa cancelled the refund of order #{first} (general_decline)")
    )
    assert await available(stack, 7602) == 5_000
    assert await entries(stack, "yk-refund:") == 0

    shop.refunds.plan(RefundStatus.PENDING)
    await admin.send_command("/refund", f"{second} force")
    await admin.wait_for(has(f"⏳ YooKassa accepted the refund of order #{second} (300 ₽)"))
    assert await available(stack, 7602) == 5_000
    assert not texts(user, TOLD_EN)

    [pending] = [r for r in shop.refunds.all() if r.status is RefundStatus.PENDING]
    shop.refunds.settle(pending.id, RefundStatus.SUCCEEDED)  # its notification goes out

    told = await user.wait_for(has(TOLD_EN), timeout=10)
    assert told.text == (
        "↩️ 300 ₽ was refunded to your card; 50 ₽ was taken from the balance (now 0 ₽)."
    )
    await stays(lambda: len(texts(user, TOLD_EN)) == 1)
    assert await available(stack, 7602) == 0
    assert await entries(stack, "yk-refund:") == 1
    rows = await order_rows(stack)
    assert [(r["status"], r["refund_debit"]) for r in rows] == [("paid", None), ("refunded", 5_000)]
    before = admin.last_message()
    await admin.send_command("/refund", str(second))
    await admin.wait_for(has(f"Order #{second} is already refunded (50 ₽"), since=before)
