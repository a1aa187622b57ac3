"""The real aiogram, polling the emulator: messages, buttons, photos and a Stars payment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    LabeledPrice,
    Message,
    PreCheckoutQuery,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.botapi.imaging import solid_png

PICTURE = solid_png(64, 48)


class Like(CallbackData, prefix="like"):
    count: int


def like_keyboard(count: int) -> InlineKeyboardBuilder:
    builder = InlineKeyboardBuilder()
    builder.button(text=f"👍 {count}", callback_data=Like(count=count))
    return builder


def build_router(credited: list[str]) -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Привет! Hello", reply_markup=like_keyboard(0).as_markup())

    @router.callback_query(Like.filter())
    async def like(query: CallbackQuery, callback_data: Like) -> None:
        assert isinstance(query.message, Message)
        count = callback_data.count + 1
        await query.message.edit_text(
            f"Лайков: {count}", reply_markup=like_keyboard(count).as_markup()
        )
        await query.answer("Спасибо!")

    @router.message(Command("picture"))
    async def picture(message: Message) -> None:
        await message.answer_photo(
            BufferedInputFile(PICTURE, filename="picture.png"),
            caption="<b>Картинка</b> for you",
            parse_mode="HTML",
        )

    @router.message(Command("buy"))
    async def buy(message: Message) -> None:
        await message.answer_invoice(
            title="100 ⭐",
            description="Пополнение баланса",
            payload="order-42",
            currency="XTR",
            prices=[LabeledPrice(label="Top-up", amount=100)],
        )

    @router.pre_checkout_query()
    async def pre_checkout(query: PreCheckoutQuery) -> None:
        await query.answer(ok=query.invoice_payload == "order-42", error_message="unknown order")

    @router.message(F.successful_payment)
    async def paid(message: Message) -> None:
        assert message.successful_payment is not None
        credited.append(message.successful_payment.telegram_payment_charge_id)
        await message.answer("Оплачено ✅")

    @router.message(F.photo)
    async def got_photo(message: Message, bot: Bot) -> None:
        assert message.photo is not None
        file = await bot.get_file(message.photo[-1].file_id)
        assert file.file_path is not None
        data = await bot.download_file(file.file_path)
        assert data is not None
        await message.answer(f"got {len(data.read())} bytes")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        assert message.text is not None
        await message.answer(message.text)

    return router


@asynccontextmanager
async def polling(emulator: BotApiEmulator, router: Router) -> AsyncIterator[Bot]:
    bot = Bot(
        emulator.token,
        session=AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url)),
    )
    dp = Dispatcher()
    dp.include_router(router)
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        await emulator.wait_until(lambda: bool(emulator.calls("getMe")), timeout=10)
        yield bot
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(task, 10)


async def test_echo_button_photo_and_payment_through_real_polling(
    emulator: BotApiEmulator,
) -> None:
    credited: list[str] = []
    user = emulator.user(user_id=501, first_name="Аня", username="anya")
    async with polling(emulator, build_router(credited)):
        await user.send_text("эхо echo")
        echo = await user.wait_for(lambda m: m.text == "эхо echo")

        await user.send_command("/start")
        menu = await user.wait_for(lambda m: m.text == "Привет! Hello", since=echo)
        assert menu.callback_data == ["like:0"]
        pressed = await user.press(menu, "like:0")
        assert pressed.answered
        assert pressed.text == "Спасибо!"
        assert menu.text == "Лайков: 1"
        assert menu.callback_data == ["like:1"]
        assert [old["text"] for old in menu.history] == ["Привет! Hello"]

        await user.send_command("/picture")
        photo = await user.wait_for(lambda m: m.kind == "photo")
        assert photo.text == "Картинка for you"
        assert photo.data["caption_entities"] == [{"type": "bold", "offset": 0, "length": 8}]
        assert photo.data["photo"][-1]["width"] == 64
        assert photo.data["photo"][-1]["height"] == 48
        sent_photo = emulator.sent("sendPhoto")[-1]
        assert [upload.data for upload in sent_photo.files.values()] == [PICTURE]

        sent = await user.send_photo(solid_png(10, 10), caption="моё фото")
        await user.wait_for(lambda m: (m.text or "").startswith("got "), since=sent)
        assert user.last_message() is not None
        assert user.last_message().text == f"got {len(solid_png(10, 10))} bytes"  # type: ignore[union-attr]

        await user.send_command("/buy")
        invoice = await user.wait_for(lambda m: m.kind == "invoice")
        assert invoice.data["invoice"]["total_amount"] == 100
        outcome = await user.pay(invoice)
        assert outcome.ok
        await user.wait_for(lambda m: m.text == "Оплачено ✅")
        assert credited == [outcome.telegram_payment_charge_id]

    answers = emulator.sent("answerPreCheckoutQuery")
    assert [call.params["ok"] for call in answers] == ["true"]
    assert all(call.ok for call in emulator.calls() if call.method != "getUpdates")


async def test_refused_pre_checkout_charges_nothing(emulator: BotApiEmulator) -> None:
    credited: list[str] = []
    user = emulator.user(user_id=502)
    router = build_router(credited)
    async with polling(emulator, router) as bot:
        await bot.send_invoice(
            chat_id=user.user_id,
            title="Unknown",
            description="An order the bot does not know",
            payload="order-13",
            currency="XTR",
            prices=[LabeledPrice(label="x", amount=5)],
        )
        invoice = await user.wait_for(lambda m: m.kind == "invoice")
        outcome = await user.pay(invoice)
    assert outcome.status == "refused"
    assert outcome.error_message == "unknown order"
    assert credited == []
    assert not any(m.kind == "successful_payment" for m in user.messages())
