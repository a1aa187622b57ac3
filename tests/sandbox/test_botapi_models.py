"""Every result the emulator returns parses as aiogram's own return type for that method."""

from __future__ import annotations

from typing import Any

import aiogram.methods
from aiogram import Bot
from aiogram.methods.base import Response
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InputMediaPhoto,
    InputMediaVideo,
    LabeledPrice,
    Update,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.botapi.imaging import solid_png


def aiogram_type_of(method: str) -> Any:
    method_class = getattr(aiogram.methods, method[0].upper() + method[1:])
    return method_class.__returning__


def validate_all(emulator: BotApiEmulator) -> int:
    checked = 0
    for call in emulator.calls():
        if not call.ok:
            continue
        response_type = Response[aiogram_type_of(call.method)]  # type: ignore[misc]
        response_type.model_validate({"ok": True, "result": call.result})
        checked += 1
    return checked


async def test_results_of_every_method_validate_against_aiogram_models(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    user = emulator.user(user_id=777, first_name="Борис", username="boris", last_name="Б")
    await user.send_command("/start", payload="ref_42")
    await user.send_document(b"%PDF-1.4 receipt", "чек.pdf", "application/pdf")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["/start ref_42", None]

    me = await bot.get_me()
    assert (me.is_bot, me.username) == (True, "trt_sandbox_bot")
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text="Да", callback_data="yes")
    keyboard.button(text="Сайт", url="https://example.org")
    text = await bot.send_message(
        user.user_id,
        "<b>Жирный</b> и <i>курсив</i>",
        parse_mode="HTML",
        reply_markup=keyboard.as_markup(),
    )
    await bot.edit_message_text("Изменено", chat_id=user.user_id, message_id=text.message_id)
    await bot.edit_message_reply_markup(
        chat_id=user.user_id, message_id=text.message_id, reply_markup=keyboard.as_markup()
    )
    reply_keyboard = ReplyKeyboardBuilder()
    reply_keyboard.button(text="Меню")
    await bot.send_message(user.user_id, "Клавиатура", reply_markup=reply_keyboard.as_markup())
    picture = BufferedInputFile(solid_png(40, 30), filename="p.png")
    photo = await bot.send_photo(user.user_id, picture, caption="фото")
    await bot.edit_message_caption(chat_id=user.user_id, message_id=photo.message_id, caption="x")
    await bot.send_video(user.user_id, BufferedInputFile(b"\x00" * 64, filename="v.mp4"))
    await bot.send_audio(user.user_id, BufferedInputFile(b"ID3" * 10, filename="a.mp3"))
    await bot.send_voice(user.user_id, BufferedInputFile(b"OggS" * 8, filename="v.ogg"))
    await bot.send_animation(user.user_id, BufferedInputFile(b"\x00" * 8, filename="a.mp4"))
    document = await bot.send_document(
        user.user_id, BufferedInputFile(b"hello", filename="hello.txt")
    )
    assert photo.photo is not None
    album = await bot.send_media_group(
        user.user_id,
        [
            InputMediaPhoto(media=photo.photo[-1].file_id, caption="один"),
            InputMediaPhoto(media=BufferedInputFile(solid_png(8, 8), filename="b.png")),
            InputMediaVideo(media=BufferedInputFile(b"\x00" * 16, filename="c.mp4")),
        ],
    )
    assert len({m.media_group_id for m in album}) == 1
    assert document.document is not None
    await bot.edit_message_media(
        InputMediaPhoto(media=photo.photo[-1].file_id, caption="снова"),
        chat_id=user.user_id,
        message_id=document.message_id,
    )
    file = await bot.get_file(photo.photo[-1].file_id)
    assert file.file_size == len(solid_png(40, 30))
    await bot.send_chat_action(user.user_id, "upload_photo")
    await bot.set_my_commands([BotCommand(command="start", description="Начать")])
    await bot.set_my_commands(
        [BotCommand(command="admin", description="Admin")],
        scope=BotCommandScopeChat(chat_id=user.user_id),
        language_code="en",
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    await bot.send_invoice(
        user.user_id, "Stars", "Пополнение", "p-1", "XTR", [LabeledPrice(label="x", amount=50)]
    )
    await bot.delete_message(user.user_id, text.message_id)
    await bot.get_webhook_info()
    await bot.set_my_description("Описание")
    await bot.get_my_description()

    assert validate_all(emulator) == len([c for c in emulator.calls() if c.ok])
    assert validate_all(emulator) >= 25
    for message in user.messages(include_deleted=True):
        Update.model_validate({"update_id": 1, "message": message.data})
