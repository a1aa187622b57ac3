"""Broadcasts end to end below the handlers: rows in a real database, the real aiogram Bot and
the rate-limited sender talking to the Bot API emulator, on both engines. The sender's limiter
runs on virtual time (its waits advance a counter), so Telegram's `retry_after` costs no real
seconds; the database clock is moved by hand for the retries' delays."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from tests.conftest import ManualClock
from trt.bot.admin.telegram import TelegramAdminReports, TelegramBroadcastSender
from trt.bot.limiter import SendLimiter
from trt.bot.texts import load_translations
from trt.sandbox.botapi import BotApiEmulator, UserDriver
from trt.services.broadcast import LEASE, Broadcasts, RetryPolicy
from trt.storage import admin, broadcasts, users
from trt.storage.database import Database
from trt.storage.tables import admin_audit, broadcast_recipients
from trt.storage.tables import broadcasts as broadcasts_table
from trt.storage.tables import users as users_table

ADMIN = 900
USERS = list(range(2001, 2011))
BLOCKED = {2003, 2007}
BANNED = 2010


@dataclass
class VirtualTime:
    """The limiter's monotonic clock; its sleeps move it instead of waiting."""

    now: float = 0.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class World:
    db: Database
    clock: ManualClock
    telegram: BotApiEmulator
    bot: Bot
    time: VirtualTime
    limits: SendLimiter
    chats: dict[int, UserDriver]

    def broadcasts(self) -> Broadcasts:
        """A fresh service, as a restarted process would build it."""
        return Broadcasts(
            db=self.db,
            clock=self.clock,
            sender=TelegramBroadcastSender(bot=self.bot, limits=self.limits),
            reporter=TelegramAdminReports(bot=self.bot, translations=load_translations()),
            progress_every=0.0,
            retry=RetryPolicy(max_attempts=4, base=timedelta(seconds=10)),
        )

    def received(self, user_id: int) -> list[str]:
        return [m.text or "" for m in self.chats[user_id].messages(from_bot=True)]


@pytest.fixture
async def world(db: Database, clock: ManualClock) -> AsyncIterator[World]:
    async with BotApiEmulator() as telegram:
        bot = Bot(
            telegram.token,
            session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url)),
        )
        chats = {uid: telegram.user(uid) for uid in [*USERS, ADMIN]}
        async with db.transaction() as tx:
            for uid in USERS:
                await users.ensure_user(tx, user_id=uid, now=clock.now(), username=f"u{uid}")
            await admin.set_banned(tx, BANNED, True)
        for uid in BLOCKED:
            chats[uid].block_bot()
        time = VirtualTime()
        limits = SendLimiter(clock=time.clock, sleep=time.sleep)
        try:
            yield World(db, clock, telegram, bot, time, limits, chats)
        finally:
            await bot.session.close()


async def test_everyone_gets_it_once_blocked_users_become_inactive(world: World) -> None:
    started = await world.broadcasts().start(
        admin_id=ADMIN, language="en", text="Big news", photo_file_id=None
    )
    assert started.total == len(USERS) - 1  # the banned user is left out

    first = world.broadcasts()
    assert await first.run_once(limit=4) == 4  # then the process "dies"
    second = world.broadcasts()  # a restart continues where the first stopped
    while await second.run_once(limit=3):
        pass

    for uid in USERS:
        expected = [] if uid in BLOCKED or uid == BANNED else ["Big news"]
        assert world.received(uid) == expected, uid
    async with world.db.read() as tx:
        inactive = set(
            (await tx.execute(sa.select(users_table.c.id).where(~users_table.c.is_active)))
            .scalars()
            .all()
        )
        statuses: dict[str, int] = dict(
            (
                await tx.execute(
                    sa.select(broadcast_recipients.c.status, sa.func.count()).group_by(
                        broadcast_recipients.c.status
                    )
                )
            ).all()
        )
        actions = (await tx.execute(sa.select(admin_audit.c.action))).scalars().all()
    assert inactive == BLOCKED
    assert statuses == {"sent": 7, "blocked": 2}
    assert actions == ["broadcast"]
    reports = world.received(ADMIN)
    assert reports[-1].startswith("✅ Broadcast #")
    assert "sent 7, blocked 2, failed 0" in reports[-1]
    assert any(text.startswith("📣 Broadcast #") for text in reports)
    # Nothing is left: another worker finds no work and sends nothing.
    assert await world.broadcasts().run_once() == 0
    assert len(world.received(ADMIN)) == len(reports)


async def test_a_photo_goes_with_its_caption(world: World) -> None:
    upload = await world.chats[ADMIN].send_photo(PNG, caption="pic")
    file_id = upload.data["photo"][-1]["file_id"]
    await world.broadcasts().start(
        admin_id=ADMIN, language="ru", text="Смотрите", photo_file_id=file_id
    )
    while await world.broadcasts().run_once():
        pass
    photos = world.telegram.sent("sendPhoto")
    assert len(photos) == len(USERS) - 1 - len(BLOCKED)
    assert world.received(2001) == ["Смотрите"]


FLAKY_5XX = 2002  # two 502s, then fine
FLAKY_429 = 2004  # 429 four times: beyond the sender's three tries, so once more later
BROKEN = 2005  # 500 every time: gives up after the last attempt
REJECTED = 2006  # Telegram refuses the message itself: failed at once, the user stays active
NO_CHAT = 2100  # a user the emulator has no chat with: "chat not found", as good as blocked


async def claim_and_die(world: World, limit: int) -> None:
    """A worker that claimed rows and died before sending them."""
    async with world.db.transaction() as tx:
        await broadcasts.claim(tx, now=world.clock.now(), lease=LEASE, limit=limit)


async def recipients(db: Database) -> dict[int, tuple[str, int]]:
    async with db.read() as tx:
        rows = await tx.execute(
            sa.select(
                broadcast_recipients.c.user_id,
                broadcast_recipients.c.status,
                broadcast_recipients.c.attempts,
            )
        )
        return {row.user_id: (row.status, row.attempts) for row in rows}


async def test_temporary_failures_are_retried_and_a_restart_messages_nobody_twice(
    world: World,
) -> None:
    telegram = world.telegram
    telegram.fail_next("sendMessage", 502, count=2, chat_id=FLAKY_5XX)
    telegram.fail_next("sendMessage", 429, retry_after=2, count=4, chat_id=FLAKY_429)
    telegram.fail_next("sendMessage", 500, count=50, chat_id=BROKEN)
    telegram.fail_next(
        "sendMessage", 400, "Bad Request: message is too long", count=50, chat_id=REJECTED
    )
    async with world.db.transaction() as tx:
        await users.ensure_user(tx, user_id=NO_CHAT, now=world.clock.now())
    started = await world.broadcasts().start(
        admin_id=ADMIN, language="en", text="Big news", photo_file_id=None
    )

    assert await world.broadcasts().run_once(limit=3) == 3  # then the process "dies"
    await claim_and_die(world, limit=2)  # and the next one dies between claiming and sending
    worker = world.broadcasts()  # the restarted process
    for _ in range(40):  # rounds of: send what is due, then let time pass
        while await worker.run_once(limit=3):
            pass
        async with world.db.read() as tx:
            current = await broadcasts.get(tx, started.id)
        assert current is not None
        if current.status == "done":
            break
        world.clock.advance(seconds=30)  # retries come due; the dead worker's lease runs out
    else:
        pytest.fail("the broadcast never finished")

    got_it = set(USERS) - BLOCKED - {BANNED, BROKEN, REJECTED, NO_CHAT}
    for uid in USERS:
        assert world.received(uid) == (["Big news"] if uid in got_it else []), uid
    rows = await recipients(world.db)
    assert rows[FLAKY_5XX] == ("sent", 3)
    # Both were claimed by the worker that died: that claim counts as an attempt too.
    assert rows[FLAKY_429] == ("sent", 3)
    assert rows[BROKEN] == ("failed", 4)  # max_attempts
    assert rows[REJECTED] == ("failed", 1)  # never retried
    assert rows[NO_CHAT][0] == rows[2003][0] == "blocked"
    assert telegram.too_many_requests == 4
    assert 2.0 in world.time.slept  # the sender waited out retry_after before trying again
    async with world.db.read() as tx:
        inactive = set(
            (await tx.execute(sa.select(users_table.c.id).where(~users_table.c.is_active)))
            .scalars()
            .all()
        )
        finished_at = (await tx.execute(sa.select(broadcasts_table.c.finished_at))).scalar_one()
    assert inactive == BLOCKED | {NO_CHAT}
    assert finished_at is not None
    reports = [text for text in world.received(ADMIN) if text.startswith("✅ Broadcast #")]
    assert reports == [
        f"✅ Broadcast #{started.id} finished: {started.total} recipients, "
        f"sent {len(got_it)}, blocked 3, failed 2."
    ]


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154"
    "789c6360f8cfc0f01f0005000201a3e0c4e40000000049454e44ae426082"
)
