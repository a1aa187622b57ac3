"""The web chat page's JSON endpoints, driven over HTTP as the page's script drives them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
)

from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.botapi.imaging import solid_png


@pytest.fixture
async def http(emulator: BotApiEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=emulator.base_url) as session:
        yield session


async def state(http: aiohttp.ClientSession, **query: Any) -> dict[str, Any]:
    params = {"user_id": "5", **{key: str(value) for key, value in query.items()}}
    async with http.get("/_chat/state", params=params) as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body


async def test_page_and_its_assets_are_served(http: aiohttp.ClientSession) -> None:
    for path, kind in (
        ("/", "text/html"),
        ("/chat", "text/html"),
        ("/_chat/static/chat.js", "text/javascript"),
        ("/_chat/static/chat.css", "text/css"),
    ):
        async with http.get(path) as response:
            assert response.status == 200
            assert response.content_type == kind
    async with http.get("/_chat/static/secret.py") as response:
        assert response.status == 404


async def test_user_text_reaches_the_bot_and_bot_reply_shows_up(
    emulator: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    async with http.post("/_chat/send", json={"user_id": 5, "text": "Привет"}) as response:
        assert (await response.json())["ok"] is True
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert update.message.text == "Привет"
    before = await state(http)
    waiting = asyncio.create_task(state(http, since=before["version"], wait=5))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await bot.send_message(5, "<b>Здравствуйте</b>", parse_mode="HTML")
    after = await asyncio.wait_for(waiting, 3)
    assert after["version"] > before["version"]
    assert [(m["from_bot"], m["text"]) for m in after["messages"]] == [
        (False, "Привет"),
        (True, "Здравствуйте"),
    ]
    assert after["messages"][1]["entities"] == [{"type": "bold", "offset": 0, "length": 12}]


async def test_button_press_waits_for_the_answer(
    emulator: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    emulator.user(user_id=5)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
    )
    sent = await bot.send_message(5, "Choose", reply_markup=markup)
    press = asyncio.create_task(
        http.post(
            "/_chat/press",
            json={"user_id": 5, "message_id": sent.message_id, "callback_data": "go"},
        )
    )
    [update] = await bot.get_updates(timeout=3)
    assert update.callback_query is not None
    assert update.callback_query.data == "go"
    await bot.answer_callback_query(update.callback_query.id, text="Поехали", show_alert=True)
    response = await asyncio.wait_for(press, 3)
    assert await response.json() == {
        "answered": True,
        "text": "Поехали",
        "show_alert": True,
        "url": None,
    }
    async with http.post(
        "/_chat/press", json={"user_id": 5, "message_id": sent.message_id, "callback_data": "x"}
    ) as missing:
        assert missing.status == 400


async def test_photo_upload_and_file_serving(
    emulator: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("user_id", "5")
    form.add_field("caption", "фото")
    form.add_field("photo", solid_png(20, 10), filename="p.png", content_type="image/png")
    async with http.post("/_chat/photo", data=form) as response:
        assert response.status == 200
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert update.message.photo is not None
    assert update.message.caption == "фото"
    await bot.send_document(5, BufferedInputFile(b"report", filename="отчёт.txt"))
    view = await state(http)
    media = view["messages"][-1]["media"]
    assert media["kind"] == "document"
    assert media["file_name"] == "отчёт.txt"
    async with http.get(media["url"]) as response:
        assert await response.read() == b"report"


async def test_pay_endpoint_runs_the_payment(
    emulator: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    emulator.user(user_id=5)
    invoice = await bot.send_invoice(
        5, "Stars", "Пополнение", "p", "XTR", [LabeledPrice(label="x", amount=10)]
    )
    paying = asyncio.create_task(
        http.post("/_chat/pay", json={"user_id": 5, "message_id": invoice.message_id})
    )
    [update] = await bot.get_updates(timeout=3)
    assert update.pre_checkout_query is not None
    await bot.answer_pre_checkout_query(update.pre_checkout_query.id, ok=True)
    response = await asyncio.wait_for(paying, 5)
    outcome = await response.json()
    assert outcome["status"] == "paid"
    view = await state(http)
    assert view["messages"][0]["invoice"]["paid"] is True
    assert view["messages"][1]["service"] == "paid 10 XTR"
