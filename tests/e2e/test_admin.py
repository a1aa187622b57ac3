"""Operator tools through the real bot: /admin for admins only, statistics, user lookup,
balance adjustment and bans with audit rows, and a broadcast from the preview to the report."""

from collections.abc import AsyncIterator, Callable

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import Stack, running_stack
from trt.sandbox.botapi import StoredMessage
from trt.storage import ledger
from trt.storage.tables import admin_audit, ledger_entries, users

ADMIN = 7950
UNKNOWN_EN = "I understand menu buttons and commands"


@pytest.fixture
async def admin_stack(db_url: str) -> AsyncIterator[Stack]:
    async with running_stack(db_url, admin_ids=(ADMIN,)) as running:
        yield running


def has(text: str) -> Callable[[StoredMessage], bool]:
    return lambda m: text in (m.text or "")


async def audit_actions(stack: Stack) -> list[tuple[str, str | None]]:
    query = sa.select(admin_audit.c.action, admin_audit.c.target).order_by(admin_audit.c.id)
    async with stack.db.read() as tx:
        return [(row.action, row.target) for row in await tx.execute(query)]


async def test_admin_commands_are_refused_to_everyone_else(admin_stack: Stack) -> None:
    user = admin_stack.telegram.user(user_id=7001, language_code="en")
    await user.send_command("/start")
    await user.wait_for(has("Hi,"))
    for command in ("/admin", "/adjust 7001 +100 gift", "/user 7001", "/broadcast"):
        before = user.last_message()
        await user.send_command(command)
        reply = await user.wait_for(lambda m: m.from_bot, since=before)
        assert UNKNOWN_EN in (reply.text or ""), command
    async with admin_stack.db.read() as tx:
        assert (await ledger.get_balance(tx, 7001)).available == 0
    assert await audit_actions(admin_stack) == []


async def test_stats_lookup_adjust_and_ban(admin_stack: Stack) -> None:
    customer = admin_stack.telegram.user(user_id=7002, username="kate", language_code="en")
    await customer.send_command("/start")
    await customer.wait_for(has("Hi,"))
    admin = admin_stack.telegram.user(user_id=ADMIN, language_code="en")

    await admin.send_command("/admin")
    await admin.wait_for(has("🛠 Admin"))
    await admin.click("📊 All time")
    screen = await admin.wait_for(has("📊 Statistics for all time"))
    assert "Users: 2 new, 2 active" in (screen.text or "")

    before = admin.last_message()
    await admin.send_command("/adjust @kate +150.50 compensation")
    await admin.wait_for(has("available now 150.50 ₽"), since=before)
    before = admin.last_message()
    await admin.send_command("/adjust 7002 -500 too much")
    await admin.wait_for(has("cannot go below zero"), since=before)

    before = admin.last_message()
    await admin.send_command("/user @kate")
    card = await admin.wait_for(has("👤 7002"), since=before)
    assert "Balance: 150.50 ₽" in (card.text or "")
    assert "compensation" in (card.text or "")
    await admin.click("🚫 Ban")
    await admin.wait_for(has("Banned: yes"))
    await admin.click("✅ Unban")
    await admin.wait_for(has("Banned: no"))

    async with admin_stack.db.read() as tx:
        entry = (
            (
                await tx.execute(
                    sa.select(ledger_entries).where(ledger_entries.c.kind == "adjustment")
                )
            )
            .mappings()
            .one()
        )
        banned = (await tx.execute(sa.select(users.c.is_banned).where(users.c.id == 7002))).scalar()
    assert entry["available_delta"] == 15050
    assert entry["reason"] == "compensation"
    assert entry["idempotency_key"].startswith(f"admin-adjust:{ADMIN}:")
    assert banned is False
    assert await audit_actions(admin_stack) == [
        ("stats", "all"),
        ("adjust", "7002"),
        ("lookup", "7002"),
        ("ban", "7002"),
        ("unban", "7002"),
    ]


async def test_a_broadcast_from_preview_to_report(admin_stack: Stack) -> None:
    people = [
        admin_stack.telegram.user(user_id=uid, language_code="en") for uid in (7101, 7102, 7103)
    ]
    for person in people:
        await person.send_command("/start")
        await person.wait_for(has("Hi,"))
    people[1].block_bot()
    admin = admin_stack.telegram.user(user_id=ADMIN, language_code="en")

    await admin.send_command("/broadcast")
    await admin.wait_for(has("Send the broadcast message"))
    await admin.send_text("Hello from the team")
    await admin.wait_for(lambda m: "✅ Send to everyone" in str(m.buttons))
    await admin.click("✅ Send to everyone")
    await admin.wait_for(has("✅ Broadcast #"), timeout=20)
    report = admin.last_message()
    assert report is not None

    for person in (people[0], people[2]):
        got = [m.text for m in person.messages(from_bot=True) if m.text == "Hello from the team"]
        assert got == ["Hello from the team"]
    async with admin_stack.db.read() as tx:
        active = (await tx.execute(sa.select(users.c.is_active).where(users.c.id == 7102))).scalar()
    assert active is False
