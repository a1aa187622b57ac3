"""getUpdates: long polling, offsets as confirmation, allowed_updates, 409 between pollers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramConflictError

from trt.sandbox.botapi import BotApiEmulator

CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


def make_bot(emulator: BotApiEmulator) -> Bot:
    return Bot(
        emulator.token, session=AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    )


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    async with make_bot(emulator) as client:
        yield client


async def test_a_new_poll_terminates_the_one_in_flight_with_409(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    async with make_bot(emulator) as second:
        first_poll = asyncio.create_task(bot.get_updates(timeout=5))
        await emulator.wait_until(lambda: emulator.ctx.updates.polls_waiting == 1)
        assert await second.get_updates(timeout=0) == []
        with pytest.raises(TelegramConflictError) as error:
            await asyncio.wait_for(first_poll, 2)
    assert error.value.message == CONFLICT
    refused = [call for call in emulator.calls("getUpdates") if not call.ok]
    assert [call.error.status for call in refused if call.error] == [409]


async def test_raw_conflict_reply_has_telegram_shape(emulator: BotApiEmulator) -> None:
    url = f"{emulator.base_url}/bot{emulator.token}/getUpdates"
    async with aiohttp.ClientSession() as http:
        waiting = asyncio.create_task(http.get(url, params={"timeout": "5"}))
        await emulator.wait_until(lambda: emulator.ctx.updates.polls_waiting == 1)
        async with http.post(url, data={"timeout": "0"}) as second:
            assert second.status == 200
        response = await asyncio.wait_for(waiting, 2)
        assert response.status == 409
        assert await response.json() == {"ok": False, "error_code": 409, "description": CONFLICT}
        response.release()


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    user = emulator.user(user_id=11)
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await emulator.wait_until(lambda: emulator.ctx.updates.polls_waiting == 1)
    await user.send_text("wake up")
    updates = await asyncio.wait_for(poll, 3)
    assert time.monotonic() - started < 3
    assert [u.message.text for u in updates if u.message] == ["wake up"]


async def test_empty_long_poll_waits_for_its_timeout(emulator: BotApiEmulator, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 3


async def test_confirmed_updates_are_not_redelivered(emulator: BotApiEmulator, bot: Bot) -> None:
    user = emulator.user(user_id=12)
    for text in ("one", "two", "three"):
        await user.send_text(text)
    first = await bot.get_updates(timeout=0, limit=2)
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    again = await bot.get_updates(timeout=0)
    assert len(again) == 3
    rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["three"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == []
    assert await bot.get_updates(timeout=0) == []


async def test_an_update_delivered_twice_is_seen_twice(emulator: BotApiEmulator, bot: Bot) -> None:
    user = emulator.user(user_id=13)
    await user.send_text("dup")
    [original] = await bot.get_updates(timeout=0)
    copy_id = await emulator.redeliver(original.update_id)
    assert copy_id > original.update_id
    [copy] = await bot.get_updates(offset=original.update_id + 1, timeout=0)
    assert copy.update_id == copy_id
    assert copy.message is not None
    assert original.message is not None
    assert copy.message.message_id == original.message.message_id


async def test_pushed_raw_update_keeps_its_id_and_negative_offset_keeps_the_tail(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    user = emulator.user(user_id=14)
    for text in ("a", "b", "c"):
        await user.send_text(text)
    raw = {"update_id": 500, "message": dict(user.messages()[0].data)}
    assert await emulator.push_update(raw) == 500
    tail = await bot.get_updates(offset=-2, timeout=0)
    assert [u.update_id for u in tail] == [3, 500]


async def test_allowed_updates_filters_and_persists(emulator: BotApiEmulator, bot: Bot) -> None:
    user = emulator.user(user_id=15)
    await user.send_text("message")
    await emulator.push_update(
        {
            "callback_query": {
                "id": "77",
                "from": user.user,
                "chat_instance": "1",
                "data": "x",
            }
        }
    )
    updates = await bot.get_updates(allowed_updates=["callback_query"], timeout=0)
    assert [u.callback_query.data for u in updates if u.callback_query] == ["x"]
    assert len(updates) == 1
    await user.send_text("filtered too")
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []
    assert await bot.answer_callback_query("77", text="ok")


async def test_delete_webhook_can_drop_pending_updates(emulator: BotApiEmulator, bot: Bot) -> None:
    user = emulator.user(user_id=16)
    await user.send_text("old")
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == []
    assert (await bot.get_webhook_info()).pending_update_count == 0
