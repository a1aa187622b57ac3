"""Manual bank transfers through the real bot and the Bot API emulator: the user picks an
amount, gets the details, sends a receipt (a photo, or a PDF); every admin gets it with Approve /
Reject; one approval credits once and the user is told; a rejection credits nothing; a forged
decision from someone else changes nothing; expired orders refuse receipts and Stars checkouts."""

import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import ManualClock
from tests.e2e.conftest import Stack, running_stack
from trt.sandbox.botapi import StoredMessage, UserDriver
from trt.sandbox.botapi.imaging import solid_png
from trt.services.order_expiry import OrderExpiry
from trt.services.ports import SystemClock
from trt.storage import admin, ledger
from trt.storage.tables import ledger_entries, payment_orders

ADMIN, SECOND_ADMIN, ABSENT_ADMIN = 7801, 7802, 7803  # the third never opened the bot
DETAILS = "Card 2200 1234 5678 9012\nT-Bank, Ivan I."
NOT_A_RECEIPT = "This is not a receipt. Send the receipt for order #"


@pytest.fixture
async def stack(db_url: str) -> AsyncIterator[Stack]:
    async with running_stack(
        db_url,
        admin_ids=(ADMIN, SECOND_ADMIN, ABSENT_ADMIN),
        manual_topup_details=DETAILS,
        manual_topup_min_rub=100,
        manual_topup_max_rub=50_000,
    ) as running:
        yield running


async def send_sticker(stack: Stack, user: UserDriver) -> None:
    sticker = {
        "file_id": "CAACAgIAAxkBAAEsticker",
        "file_unique_id": "AgADsticker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    message = stack.telegram.ctx.chats.add(
        user.chat, {"from": user.user, "sticker": sticker}, from_bot=False
    )
    await stack.telegram.ctx.deliver({"message": dict(message.data)})


def has(text: str) -> Callable[[StoredMessage], bool]:
    return lambda m: text in (m.text or "")


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


async def started(stack: Stack, user_id: int, **profile: str) -> UserDriver:
    user = stack.telegram.user(user_id=user_id, **profile)
    await user.send_command("/start")
    await user.wait_for(lambda m: m.from_bot)
    return user


async def order_by_preset(user: UserDriver, preset: str) -> int:
    """/topup → Bank transfer → a preset amount; returns the order number shown."""
    await user.send_command("/topup")
    screen = await user.wait_for(lambda m: "🏦 Bank transfer" in labels(m))
    assert labels(screen)[-2:] == ["🏦 Bank transfer", "⬅️ Back"]
    await user.click("🏦 Bank transfer")
    amounts = await user.wait_for(has("Top-up by bank transfer"))
    assert "from 100 ₽ to 50 000 ₽" in (amounts.text or "")
    assert labels(amounts) == ["300 ₽", "500 ₽", "1 000 ₽", "2 000 ₽", "5 000 ₽", "⬅️ Back"]
    await user.click(preset)
    order = await user.wait_for(has("🏦 Order #"), since=amounts)
    assert DETAILS in (order.text or "")
    assert "send the receipt here as a photo or a PDF file" in (order.text or "")
    found = re.search(r"Order #(\d+): transfer ([\d  .]+ ₽)", order.text or "")
    assert found is not None
    assert found.group(2) == preset
    return int(found.group(1))


async def row(stack: Stack, order_id: int) -> sa.RowMapping:
    query = sa.select(payment_orders).where(payment_orders.c.id == order_id)
    async with stack.db.read() as tx:
        return (await tx.execute(query)).mappings().one()


async def available(stack: Stack, user_id: int) -> int:
    async with stack.db.read() as tx:
        return (await ledger.get_balance(tx, user_id)).available


async def manual_keys(stack: Stack) -> list[str]:
    query = sa.select(ledger_entries.c.idempotency_key).where(
        ledger_entries.c.idempotency_key.startswith("manual:")
    )
    async with stack.db.read() as tx:
        return list((await tx.execute(query)).scalars())


async def audit(stack: Stack) -> list[tuple[int, str, str | None]]:
    async with stack.db.read() as tx:
        records = await admin.audit_records(tx)
    return [(r.admin_id, r.action, r.target) for r in reversed(records)]


async def test_a_photo_receipt_is_approved_once_and_the_user_is_told(stack: Stack) -> None:
    user = await started(stack, 7001, language_code="en")
    boss = await started(stack, ADMIN, username="boss", language_code="en")
    second = await started(stack, SECOND_ADMIN, username="deputy", language_code="en")
    order_id = await order_by_preset(user, "1 000 ₽")

    await user.send_text("I paid!")
    await user.wait_for(has(f"{NOT_A_RECEIPT}{order_id} as a photo or a PDF file, or /cancel."))
    before = user.last_message()
    await user.send_document(b"PK\x03\x04 a word file", "receipt.docx", "application/msword")
    before = await user.wait_for(has(NOT_A_RECEIPT), since=before)
    await send_sticker(stack, user)
    await user.wait_for(has(NOT_A_RECEIPT), since=before)
    assert (await row(stack, order_id))["receipt_file_id"] is None

    photo = await user.send_photo(solid_png(40, 60))
    await user.wait_for(
        has(f"🧾 The receipt for order #{order_id} (1 000 ₽) is received and waits for an operator")
    )
    review = await boss.wait_for(lambda m: m.kind == "photo")
    copy = await second.wait_for(lambda m: m.kind == "photo")
    for message in (review, copy):
        assert message.file_id == photo.file_id
        assert f"order #{order_id}: 1 000 ₽" in (message.text or "")
        assert "id 7001" in (message.text or "")
        assert labels(message) == ["✅ Approve 1 000 ₽", "❌ Reject"]

    pressed = await boss.click("✅ Approve 1 000 ₽")
    assert pressed.text == f"Order #{order_id} approved: 1 000 ₽ credited."
    told = await user.wait_for(has("✅ Your transfer"))
    assert told.text == (
        f"✅ Your transfer for order #{order_id} is confirmed: 1 000 ₽ credited.\n"
        "💰 Balance: 1 000 ₽"
    )
    decided = boss.message(review)
    assert "✅ Approved by @boss." in (decided.text or "")
    assert decided.buttons == []

    late = await second.click("✅ Approve 1 000 ₽")
    assert (late.text, late.show_alert) == (
        f"Order #{order_id} was already approved by @boss.",
        True,
    )
    assert "✅ Approved by @boss." in (second.message(copy).text or "")
    twice = await boss.press(review, f"mr:1:{order_id}", check=False)
    assert twice.text == f"Order #{order_id} was already approved by @boss."
    reject_late = await second.press(copy, f"mr:0:{order_id}", check=False)
    assert reject_late.text == f"Order #{order_id} was already approved by @boss."

    assert await available(stack, 7001) == 100_000
    assert await manual_keys(stack) == [f"manual:{order_id}"]
    stored = await row(stack, order_id)
    assert (stored["status"], stored["decided_by"], stored["receipt_kind"]) == (
        "paid",
        ADMIN,
        "photo",
    )
    assert await audit(stack) == [(ADMIN, "manual-approve", str(order_id))]
    assert len([m for m in user.messages(from_bot=True) if "is confirmed" in (m.text or "")]) == 1

    await user.send_command("/balance")
    await user.wait_for(lambda m: "📄 Payments" in labels(m), since=told)
    await user.click("📄 Payments")
    listing = await user.wait_for(has("📄 Your payments:"))
    assert f"#{order_id} · 🏦 bank transfer · 1 000 ₽ · paid" in (listing.text or "")


async def test_a_pdf_receipt_from_the_admin_queue_is_rejected(stack: Stack) -> None:
    user = await started(stack, 7002, language_code="ru")
    boss = await started(stack, ADMIN, username="boss", language_code="en")
    await user.send_command("/topup")
    await user.wait_for(lambda m: "🏦 Банковский перевод" in labels(m))
    await user.click("🏦 Банковский перевод")
    await user.wait_for(has("Пополнение банковским переводом"))
    await user.send_text("50")
    await user.wait_for(has("Пришлите сумму в рублях от 100 ₽ до 50 000 ₽"))
    await user.send_text("1 234,50 ₽")
    order = await user.wait_for(has("🏦 Заказ №"))
    found = re.search(r"№(\d+): переведите 1 234.50 ₽", order.text or "")
    assert found is not None
    order_id = int(found.group(1))

    pdf = await user.send_document(b"%PDF-1.4 receipt", "receipt.pdf", "application/pdf")
    await user.wait_for(has(f"🧾 Чек по заказу №{order_id} (1 234.50 ₽) получен"))
    pushed = await boss.wait_for(lambda m: m.kind == "document")
    assert pushed.file_id == pdf.file_id

    await boss.send_command("/admin")
    await boss.wait_for(has("🛠 Admin"))
    await boss.click("🧾 Manual top-ups")
    queue = await boss.wait_for(has("🧾 Manual top-ups waiting for a decision: 1."))
    assert labels(queue) == [f"#{order_id} · 1 234.50 ₽ · Test", "⬅️ Admin menu"]
    await boss.click(f"#{order_id} · 1 234.50 ₽ · Test")
    opened = await boss.wait_for(lambda m: m.kind == "document", since=pushed)
    assert opened.file_id == pdf.file_id
    assert labels(opened) == ["✅ Approve 1 234.50 ₽", "❌ Reject"]

    pressed = await boss.press(opened, opened.callback_data[1])
    assert pressed.text == f"Order #{order_id} rejected; the user is told."
    told = await user.wait_for(has("❌ Перевод по заказу"))
    assert f"№{order_id} (1 234.50 ₽) не подтверждён, ничего не зачислено" in (told.text or "")
    assert "❌ Rejected by @boss." in (boss.message(opened).text or "")
    late = await boss.click("✅ Approve 1 234.50 ₽")  # the copy first pushed still shows it
    assert late.text == f"Order #{order_id} was already rejected by @boss."

    assert await available(stack, 7002) == 0
    assert await manual_keys(stack) == []
    assert (await row(stack, order_id))["status"] == "rejected"
    assert await audit(stack) == [(ADMIN, "manual-reject", str(order_id))]

    await boss.click("⬅️ Admin menu")
    await boss.wait_for(has("🛠 Admin"))
    await boss.click("🧾 Manual top-ups")
    await boss.wait_for(has("🧾 No manual top-ups are waiting."))
    await user.send_command("/balance")
    await user.wait_for(lambda m: "📄 Платежи" in labels(m), since=told)
    await user.click("📄 Платежи")
    listing = await user.wait_for(has("📄 Ваши платежи:"))
    assert f"№{order_id} · 🏦 банковский перевод · 1 234.50 ₽ · отклонён" in (listing.text or "")


async def test_a_forged_decision_from_a_user_changes_nothing(stack: Stack) -> None:
    user = await started(stack, 7003, language_code="en")
    mallory = await started(stack, 7004, language_code="en")
    await started(stack, ADMIN, username="boss", language_code="en")
    order_id = await order_by_preset(user, "500 ₽")
    await user.send_photo(solid_png(8, 8))
    await user.wait_for(has("is received and waits for an operator"))

    for who in (mallory, user):
        greeting = who.messages(from_bot=True)[0]
        for data in (f"mr:1:{order_id}", f"mr:0:{order_id}"):
            refused = await who.press(greeting, data, check=False)
            assert (refused.text, refused.show_alert) == (
                "Only operators can approve or reject top-ups.",
                True,
            )
        before = who.last_message()
        await who.press(greeting, f"ad:mqo:{order_id}", check=False)  # the admin queue's button
        await who.wait_for(has("This menu is outdated"), since=before)
        assert [m for m in who.messages(from_bot=True) if m.kind == "photo"] == []

    stored = await row(stack, order_id)
    assert (stored["status"], stored["decided_by"]) == ("pending", None)
    assert await available(stack, 7003) == 0
    assert await manual_keys(stack) == []
    assert await audit(stack) == []


async def test_expired_orders_refuse_receipts_and_stars_checkouts(stack: Stack) -> None:
    user = await started(stack, 7005, language_code="en")
    order_id = await order_by_preset(user, "300 ₽")
    await user.send_command("/topup")
    await user.wait_for(lambda m: "50 ⭐ → 100 ₽" in labels(m))
    before = user.last_message()
    await user.click("50 ⭐ → 100 ₽")
    invoice = await user.wait_for(lambda m: m.kind == "invoice", since=before)

    tomorrow = ManualClock(SystemClock().now() + timedelta(hours=24, minutes=1))
    expiry = OrderExpiry(db=stack.db, clock=tomorrow, ttl=timedelta(hours=24))
    assert await expiry.run_once() == 2

    outcome = await user.pay(invoice)
    assert (outcome.status, outcome.error_message) == (
        "refused",
        "This invoice has expired. Open /topup for a new one.",
    )
    assert stack.telegram.ctx.payments.charges == {}

    await user.click("📎 Send the receipt")
    await user.wait_for(has(f"Send the receipt for order #{order_id} as a photo or a PDF file."))
    await user.send_photo(solid_png(8, 8))
    await user.wait_for(
        has(f"Order #{order_id} is closed (it expired or was already checked). Open /topup")
    )
    assert (await row(stack, order_id))["status"] == "expired"
    assert (await row(stack, order_id))["receipt_file_id"] is None
    assert await available(stack, 7005) == 0
