"""Broadcasts end to end below the handlers: rows in a real database, the real aiogram Bot and
the rate-limited sender talking to the Bot API emulator, on both engines."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

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
from trt.services.broadcast import Broadcasts
from trt.storage import admin, users
from trt.storage.database import Database
from trt.storage.tables import admin_audit, broadcast_recipients
from trt.storage.tables import users as users_table

ADMIN = 900
USERS = list(range(2001, 2011))
BLOCKED = {2003, 2007}
BANNED = 2010


@dataclass
class World:
    db: Database
    clock: ManualClock
    telegram: BotApiEmulator
    bot: Bot
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
        try:
            yield World(db, clock, telegram, bot, SendLimiter(), chats)
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


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154"
    "789c6360f8cfc0f01f0005000201a3e0c4e40000000049454e44ae426082"
)
