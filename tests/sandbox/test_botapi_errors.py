"""Refusals as aiogram sees them: injected faults, blocked users, edits, markup, limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from trt.sandbox.botapi import BotApiEmulator

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as api:
        api.user(user_id=7)
        yield api


def make_bot(emulator: BotApiEmulator, token: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    return Bot(token or emulator.token, session=session)


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    async with make_bot(emulator) as client:
        yield client


async def test_injected_429_raises_retry_after_and_is_counted(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(7, "hi")
    assert error.value.retry_after == 3
    assert "Original description: Too Many Requests: retry after 3" in error.value.message
    assert emulator.too_many_requests == 1
    assert (await bot.send_message(7, "hi")).text == "hi"


async def test_injected_faults_match_status_and_count(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.fail_next("sendmessage", 500, count=2)
    emulator.fail_next("sendPhoto", 403)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Internal Server Error"):
            await bot.send_message(7, "x")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_photo(7, "AgACnothing")
    await bot.send_message(7, "through")
    assert [c.ok for c in emulator.calls("sendMessage")] == [False, False, True]


async def test_delayed_call_times_out_in_the_client_but_still_happens(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.fail_next("sendMessage", delay=1.0)
    with pytest.raises(TelegramNetworkError, match="Request timeout error"):
        await bot.send_message(7, "late", request_timeout=0.3)
    user = emulator.user(user_id=7)
    late = await user.wait_for(lambda m: m.text == "late", timeout=3)
    assert late.from_bot


async def test_blocked_user_gives_403(emulator: BotApiEmulator, bot: Bot) -> None:
    user = emulator.user(user_id=7)
    user.block_bot()
    with pytest.raises(TelegramForbiddenError) as error:
        await bot.send_message(7, "anyone there?")
    assert error.value.message == "Forbidden: bot was blocked by the user"
    user.unblock_bot()
    assert (await bot.send_message(7, "back")).text == "back"


async def test_unknown_chat_and_wrong_token(emulator: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "who?")
    async with make_bot(emulator, token="42:WRONG") as stranger:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await stranger.get_me()


async def test_unknown_method_is_404_and_wrong_token_401(emulator: BotApiEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.base_url}/bot{emulator.token}/sendTelepathy") as r:
            assert r.status == 404
            assert await r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.post(f"{emulator.base_url}/bot1:bad/getMe") as r:
            assert r.status == 401
            assert await r.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }


async def test_edits_not_modified_not_found_and_keyboard_removal(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
    )
    message = await bot.send_message(7, "same", reply_markup=markup)
    with pytest.raises(TelegramBadRequest) as error:
        await bot.edit_message_text(
            "same", chat_id=7, message_id=message.message_id, reply_markup=markup
        )
    assert error.value.message == NOT_MODIFIED
    edited = await bot.edit_message_text("same", chat_id=7, message_id=message.message_id)
    assert not isinstance(edited, bool)
    assert edited.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=7, message_id=9999)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(7, 9999)
    user_message = await emulator.user(user_id=7).send_text("mine")
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=7, message_id=user_message.message_id)


async def test_markup_errors_mirror_telegram(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(7, "1 <div> 2", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(7, "Цена 10.5", parse_mode="MarkdownV2")
    ok = await bot.send_message(7, "*Цена* 10\\.5", parse_mode="MarkdownV2")
    assert ok.text == "Цена 10.5"
    assert ok.entities is not None
    assert ok.entities[0].type == "bold"
    too_long = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="x" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(7, "buttons", reply_markup=too_long)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(7, "   ")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(7, "я" * 4097)


async def test_enforced_limits_answer_429_above_one_message_per_second() -> None:
    async with BotApiEmulator(enforce_limits=True) as emulator:
        for user_id in (1, 2):
            emulator.user(user_id=user_id)
        async with make_bot(emulator) as bot:
            outcomes = []
            for index in range(5):
                try:
                    await bot.send_message(1, f"burst {index}")
                    outcomes.append("ok")
                except TelegramRetryAfter as error:
                    outcomes.append(f"429/{error.retry_after}")
            assert outcomes == ["ok", "ok", "ok", "429/1", "429/1"]
            assert (await bot.send_message(2, "other chat")).text == "other chat"
            await asyncio.sleep(1.05)
            assert (await bot.send_message(1, "after a pause")).text == "after a pause"
            await bot.edit_message_text("edits are not counted", chat_id=1, message_id=1)
        assert emulator.rate_limited(1) == 2
        assert emulator.too_many_requests == 2


async def test_enforced_overall_limit_is_thirty_per_second() -> None:
    async with BotApiEmulator(enforce_limits=True) as emulator:
        for user_id in range(1, 36):
            emulator.user(user_id=user_id)
        async with make_bot(emulator) as bot:
            results = await asyncio.gather(
                *(bot.send_message(user_id, "broadcast") for user_id in range(1, 36)),
                return_exceptions=True,
            )
        refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
        assert len(refused) == 5
        assert emulator.too_many_requests == 5
