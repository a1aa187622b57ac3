"""The KIE low-balance alert: once per crossing, at most once an hour, across instances, and
in each admin's language — the real watch, KIE client and simulator, and the real Bot talking
to the Bot API emulator."""

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from tests.conftest import ManualClock
from trt.bot.admin.telegram import TelegramAdminReports
from trt.bot.texts import load_translations
from trt.kie import KieClient
from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.kie import KieSimulator
from trt.services.admin import LowBalanceWatch
from trt.storage import users
from trt.storage.database import Database

EN_ADMIN, RU_ADMIN, NEW_ADMIN = 1, 2, 3  # the last one never wrote to the bot
ADMINS = frozenset({EN_ADMIN, RU_ADMIN, NEW_ADMIN})


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(telegram: BotApiEmulator) -> AsyncIterator[Bot]:
    api = TelegramAPIServer.from_base(telegram.base_url)
    bot = Bot(telegram.token, session=AiohttpSession(api=api))
    try:
        yield bot
    finally:
        await bot.session.close()


def alerts(telegram: BotApiEmulator, admin_id: int) -> list[str]:
    return [m.text for m in telegram.user(admin_id).messages(from_bot=True)]


async def test_admins_are_alerted_once_per_crossing_at_most_hourly_in_their_language(
    db: Database, clock: ManualClock, telegram: BotApiEmulator, bot: Bot
) -> None:
    for admin_id in ADMINS:
        telegram.user(admin_id)  # each admin has a chat with the bot
    async with db.transaction() as tx:
        await users.ensure_user(tx, user_id=EN_ADMIN, now=clock.now(), language="en")
        await users.ensure_user(tx, user_id=RU_ADMIN, now=clock.now(), language="ru")
    reports = TelegramAdminReports(bot=bot, translations=load_translations())
    async with (
        KieSimulator(api_key="k", credits=5_000) as sim,
        KieClient(api_base=sim.base_url, upload_base=sim.base_url, api_key="k") as kie,
    ):

        def watch() -> LowBalanceWatch:  # a fresh instance, as after a restart
            return LowBalanceWatch(
                db=db,
                clock=clock,
                kie=kie,
                notifier=reports,
                admin_ids=ADMINS,
                threshold=Decimal(1000),
            )

        first = watch()
        assert not await first.check()  # 5,000 credits: fine
        sim.set_credits(900)
        assert await first.check()
        assert not await first.check()  # still below: already told
        clock.advance(minutes=10)
        assert not await watch().check()  # another instance within the hour stays quiet
        sim.set_credits(2_000)
        assert not await first.check()
        sim.set_credits(500)
        clock.advance(minutes=20)
        assert not await first.check()  # a new crossing, but within the hour of the last alert
        clock.advance(minutes=31)
        assert await watch().check()

    assert alerts(telegram, EN_ADMIN) == [
        "⚠️ KIE credits are running low: 900 left. Top up the KIE account.",
        "⚠️ KIE credits are running low: 500 left. Top up the KIE account.",
    ]
    russian = alerts(telegram, RU_ADMIN)
    assert len(russian) == 2
    assert all("KIE" in text and "credits" not in text for text in russian)
    assert "900" in russian[0]
    assert "500" in russian[1]
    assert alerts(telegram, NEW_ADMIN) == russian  # no language known: the default, Russian
