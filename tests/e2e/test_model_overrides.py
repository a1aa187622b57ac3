"""An operator switches models off and fixes prices through the real bot; users see it at once:
the model leaves the lists, a wizard already at its summary is refused at confirm with nothing
held, and a fixed price is what the card shows and what is held. Browsing costs no database
query per button press."""

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.e2e.conftest import Stack, running_stack
from tests.e2e.test_wizard import button_data, open_wizard
from trt.domain.catalog import load_catalog
from trt.sandbox.botapi import StoredMessage
from trt.sandbox.botapi.user import UserDriver
from trt.services.model_overrides import DEFAULT_TTL
from trt.storage import jobs, ledger
from trt.storage.tables import admin_audit, ledger_entries

ADMIN, CUSTOMER, STRANGER = 7950, 7301, 7302
CATALOG = load_catalog()
BANANA = CATALOG.get("nano-banana")
IMAGE_MODELS = len(CATALOG.models_in("image"))
UNAVAILABLE = "⏸ This model is unavailable right now"
UNKNOWN_EN = "I understand menu buttons and commands"


@pytest.fixture
async def admin_stack(db_url: str) -> AsyncIterator[Stack]:
    async with running_stack(db_url, admin_ids=(ADMIN,)) as running:
        yield running


def has(text: str) -> Callable[[StoredMessage], bool]:
    return lambda m: text in (m.text or "")


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


@contextmanager
def override_loads() -> Iterator[list[float]]:
    """When each process in this test read the overrides table (every engine, in-process)."""
    loads: list[float] = []

    def record(*args: Any) -> None:
        statement = " ".join(str(args[2]).split())
        if statement.startswith("SELECT") and "FROM model_overrides ORDER BY" in statement:
            loads.append(time.monotonic())

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield loads
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def command(user: UserDriver, text: str) -> StoredMessage:
    before = user.last_message()
    await user.send_command(text)
    return await user.wait_for(lambda m: m.from_bot, since=before)


async def images_list(user: UserDriver) -> StoredMessage:
    await command(user, "/start")
    await user.click("🎨 Images")
    return await user.wait_for(has("🎨 Images:"))


async def summary_of_banana(user: UserDriver) -> StoredMessage:
    await open_wizard(user, BANANA.id)
    await user.send_text("a red apple")
    return await user.wait_for(has("check and confirm"))


async def test_a_switched_off_model_vanishes_and_an_open_wizard_is_refused(
    admin_stack: Stack,
) -> None:
    await admin_stack.top_up(CUSTOMER, 100_000)
    customer = admin_stack.telegram.user(user_id=CUSTOMER, language_code="en")
    admin = admin_stack.telegram.user(user_id=ADMIN, language_code="en")
    browser = admin_stack.telegram.user(user_id=STRANGER, language_code="en")
    shown = await images_list(browser)
    assert any(label.startswith(BANANA.title.en) for label in labels(shown))
    assert f"{IMAGE_MODELS} models" in shown.text
    summary = await summary_of_banana(customer)  # and the customer stays at the summary

    reply = await command(admin, f"/model_off {BANANA.id}")
    assert reply.text.startswith(f"⛔ {BANANA.id} is switched off")

    shown = await images_list(browser)
    assert not any(label.startswith(BANANA.title.en) for label in labels(shown))
    assert f"{IMAGE_MODELS - 1} models" in shown.text
    before = customer.last_message()
    await customer.press(summary, button_data(summary, "✅ Confirm"))
    refusal = await customer.wait_for(has(UNAVAILABLE), since=before)
    assert refusal.buttons  # the main menu, to pick another model
    reply = await command(customer, f"/start m_{BANANA.slug}")  # a deep link to it
    assert reply.text.startswith(UNAVAILABLE)

    async with admin_stack.db.read() as tx:
        assert await jobs.list_for_user(tx, CUSTOMER, limit=5) == []
        balance = await ledger.get_balance(tx, CUSTOMER)
    assert (balance.available, balance.held) == (100_000, 0)

    reply = await command(admin, f"/model_on {BANANA.id}")
    assert reply.text.startswith(f"✅ {BANANA.id} is switched on")
    shown = await images_list(customer)
    assert f"{IMAGE_MODELS} models" in shown.text


async def test_a_fixed_price_is_shown_and_held(admin_stack: Stack) -> None:
    await admin_stack.top_up(CUSTOMER, 100_000)
    customer = admin_stack.telegram.user(user_id=CUSTOMER, language_code="en")
    admin = admin_stack.telegram.user(user_id=ADMIN, language_code="en")

    for wrong in ("", f"{BANANA.id}", f"{BANANA.id} abc", f"{BANANA.id} 0", "z-image 50"):
        reply = await command(admin, f"/model_price {wrong}".strip())
        assert not reply.text.startswith("💰"), wrong
    reply = await command(admin, f"/model_price {BANANA.id} 77")
    assert reply.text == f"💰 {BANANA.id} now costs 77 ₽ for every option."

    shown = await images_list(customer)
    assert f"{BANANA.title.en} · 77 ₽" in labels(shown)
    summary = await summary_of_banana(customer)
    assert "💳 Price: 77 ₽" in summary.text
    await customer.click("✅ Confirm")
    await admin_stack.telegram.wait_until(
        lambda: "check and confirm" not in customer.message(summary).text
    )

    async with admin_stack.db.read() as tx:
        [job] = await jobs.list_for_user(tx, CUSTOMER, limit=5)
        holds = (
            (
                await tx.execute(
                    sa.select(ledger_entries.c.held_delta).where(
                        ledger_entries.c.user_id == CUSTOMER, ledger_entries.c.kind == "hold"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert job.price == 7_700
    assert holds == [7_700]

    reply = await command(admin, f"/model_price {BANANA.id} reset")
    assert reply.text.startswith(f"💰 {BANANA.id} is back to the catalog price")
    shown = await images_list(customer)
    assert f"{BANANA.title.en} · 77 ₽" not in labels(shown)


async def test_the_models_screen_switches_a_model_and_is_for_admins_only(
    admin_stack: Stack,
) -> None:
    stranger = admin_stack.telegram.user(user_id=STRANGER, language_code="en")
    admin = admin_stack.telegram.user(user_id=ADMIN, language_code="en")
    for text in ("/model_off z-image", "/model_on z-image", "/model_price nano-banana 1"):
        assert UNKNOWN_EN in (await command(stranger, text)).text

    await command(admin, "/admin")
    await admin.click("🧩 Models")
    screen = await admin.wait_for(has("🧩 Models:"))
    assert f"{len(CATALOG)} on, 0 off" in screen.text
    await admin.click("✅ z-image · free")
    screen = await admin.wait_for(has(", 1 off"))
    assert "⛔ z-image · free" in labels(screen)
    await admin.click("▶️")
    await admin.wait_for(has("2 / "))

    await command(stranger, "/start")
    await stranger.click("🆓 Free")
    free = await stranger.wait_for(has("🆓 Free models"))
    assert not any(label.startswith("Z-Image") for label in labels(free))

    async with admin_stack.db.read() as tx:
        audit = [
            (row.admin_id, row.action, row.target)
            for row in await tx.execute(sa.select(admin_audit).order_by(admin_audit.c.id))
        ]
    assert audit == [(ADMIN, "model-off", "z-image")]


async def test_browsing_costs_no_query_per_button_press(admin_stack: Stack) -> None:
    customer = admin_stack.telegram.user(user_id=CUSTOMER, language_code="en")
    await command(customer, "/start")
    with override_loads() as loads:
        started = time.monotonic()
        presses = 0
        # 16 presses after /start: within the per-user throttling burst (20), none dropped.
        for _ in range(8):
            await customer.click("🎨 Images")
            await customer.wait_for(has("🎨 Images:"))
            await customer.click("🏠 Menu")
            await customer.wait_for(has("Main menu"))
            presses += 2
        elapsed = time.monotonic() - started
    # One load when the cache is older than its lifetime: at most one per DEFAULT_TTL seconds.
    assert len(loads) <= elapsed / DEFAULT_TTL + 1
    assert len(loads) < presses / 4
