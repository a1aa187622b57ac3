"""Webhook mode: the emulator POSTs updates to aiogram's SimpleRequestHandler with the secret."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramConflictError
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from trt.sandbox.botapi import BotApiEmulator

SECRET = "s3cret-Token_1"


@dataclass
class WebhookBot:
    bot: Bot
    url: str
    seen: list[int]


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(webhook_retry_delay=0.02) as api:
        yield api


@pytest.fixture
async def webhook_bot(emulator: BotApiEmulator) -> AsyncIterator[WebhookBot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    bot = Bot(emulator.token, session=session)
    seen: list[int] = []
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        seen.append(message.message_id)
        await message.answer(f"echo: {message.text}")

    dp = Dispatcher()
    dp.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=SECRET).register(app, path="/tg")
    setup_application(app, dp, bot=bot)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield WebhookBot(bot=bot, url=f"http://127.0.0.1:{port}/tg", seen=seen)
    await runner.cleanup()


async def test_updates_reach_the_webhook_with_the_secret_header(
    emulator: BotApiEmulator, webhook_bot: WebhookBot
) -> None:
    bot = webhook_bot.bot
    assert await bot.set_webhook(webhook_bot.url, secret_token=SECRET)
    user = emulator.user(user_id=900)
    await user.send_text("Привет")
    reply = await user.wait_for(lambda m: m.text == "echo: Привет")
    assert reply.from_bot
    assert [d.status for d in emulator.webhook_deliveries] == [200]
    info = await bot.get_webhook_info()
    assert info.url == webhook_bot.url
    assert info.pending_update_count == 0
    assert info.last_error_message is None


async def test_wrong_secret_is_refused_and_retried_then_dropped(
    emulator: BotApiEmulator, webhook_bot: WebhookBot
) -> None:
    bot = webhook_bot.bot
    await bot.set_webhook(webhook_bot.url, secret_token="not-the-secret")
    user = emulator.user(user_id=901)
    await user.send_text("lost")
    await emulator.wait_until(lambda: len(emulator.webhook_deliveries) == 3, timeout=5)
    assert [d.status for d in emulator.webhook_deliveries] == [401, 401, 401]
    assert [d.attempt for d in emulator.webhook_deliveries] == [1, 2, 3]
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"
    assert webhook_bot.seen == []
    await emulator.wait_until(lambda: not emulator.ctx.updates.pending, timeout=2)


async def test_redelivered_update_keeps_its_id_and_is_handled_twice(
    emulator: BotApiEmulator, webhook_bot: WebhookBot
) -> None:
    await webhook_bot.bot.set_webhook(webhook_bot.url, secret_token=SECRET)
    user = emulator.user(user_id=902)
    await user.send_text("twice")
    await user.wait_for(lambda m: m.text == "echo: twice")
    first_id = emulator.webhook_deliveries[0].update_id
    assert await emulator.redeliver(first_id) == first_id
    await emulator.wait_until(lambda: len(webhook_bot.seen) == 2)
    assert webhook_bot.seen[0] == webhook_bot.seen[1]
    assert [d.update_id for d in emulator.webhook_deliveries] == [first_id, first_id]


async def test_polling_while_a_webhook_is_set_is_a_conflict(
    emulator: BotApiEmulator, webhook_bot: WebhookBot
) -> None:
    bot = webhook_bot.bot
    await bot.set_webhook(webhook_bot.url, secret_token=SECRET)
    with pytest.raises(TelegramConflictError) as error:
        await bot.get_updates(timeout=0)
    assert error.value.message == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == []
    assert (await bot.get_webhook_info()).url == ""
