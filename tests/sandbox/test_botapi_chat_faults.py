"""Faults injected for one chat only hit that chat's calls; other chats go through."""

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError

from trt.sandbox.botapi import BotApiEmulator


async def test_a_fault_for_one_chat_leaves_the_others_alone(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    for chat in (7, 8, 9):
        emulator.user(chat)
    emulator.fail_next("sendMessage", 502, count=2, chat_id=7)
    emulator.fail_next("sendMessage", 429, retry_after=4, chat_id=8)

    assert (await bot.send_message(9, "other chat")).text == "other chat"
    with pytest.raises(TelegramServerError):
        await bot.send_message(7, "a")
    with pytest.raises(TelegramRetryAfter) as limited:
        await bot.send_message(8, "b")
    assert limited.value.retry_after == 4
    with pytest.raises(TelegramServerError):
        await bot.send_message(7, "c")
    assert (await bot.send_message(7, "d")).text == "d"
    assert (await bot.send_message(8, "e")).text == "e"

    outcomes = [(c.params["chat_id"], c.ok) for c in emulator.calls("sendMessage")]
    assert outcomes == [
        ("9", True),
        ("7", False),
        ("8", False),
        ("7", False),
        ("7", True),
        ("8", True),
    ]
