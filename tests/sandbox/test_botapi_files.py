"""Files: upload limits, fetching by URL like Telegram, getFile and downloads, decoding."""

from __future__ import annotations

import json
import struct
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramEntityTooLarge
from aiogram.types import BufferedInputFile
from aiohttp import web

from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.botapi.imaging import image_info, solid_png, video_info

MB = 1024 * 1024
PNG = solid_png(120, 80)


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as api:
        api.user(user_id=42)
        yield api


@pytest.fixture
async def file_server() -> AsyncIterator[str]:
    """A local HTTP server standing in for a provider's result URLs."""
    bodies = {
        "/small.png": (PNG, "image/png"),
        "/big.png": (PNG + b"\0" * (5 * MB), "image/png"),
        "/report.pdf": (b"%PDF-1.4" + b"\0" * 1000, "application/pdf"),
        "/page.html": (b"<html></html>", "text/html"),
        "/clip.mp4": (b"\0" * (2 * MB), "video/mp4"),
        "/huge.mp4": (b"\0" * (20 * MB + 1), "video/mp4"),
    }

    async def serve(request: web.Request) -> web.Response:
        if request.path not in bodies:
            raise web.HTTPNotFound()
        body, content_type = bodies[request.path]
        return web.Response(body=body, content_type=content_type)

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_photo_by_url_is_fetched_and_stored(
    emulator: BotApiEmulator, bot: Bot, file_server: str
) -> None:
    message = await bot.send_photo(42, f"{file_server}/small.png", caption="по ссылке")
    assert message.photo is not None
    assert (message.photo[-1].width, message.photo[-1].height) == (120, 80)
    file = await bot.get_file(message.photo[-1].file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.read() == PNG


@pytest.mark.parametrize(
    ("method", "path", "reason"),
    [
        ("photo", "/big.png", "over"),
        ("photo", "/missing.png", "HTTP 404"),
        ("video", "/huge.mp4", "over"),
    ],
)
async def test_unfetchable_or_oversized_urls_are_a_wrong_file_identifier(
    emulator: BotApiEmulator, bot: Bot, file_server: str, method: str, path: str, reason: str
) -> None:
    send = bot.send_photo if method == "photo" else bot.send_video
    with pytest.raises(TelegramBadRequest) as error:
        await send(42, f"{file_server}{path}")
    assert error.value.message == "Bad Request: wrong file identifier/HTTP URL specified"
    refusal = emulator.calls()[-1].error
    assert refusal is not None
    assert refusal.reason is not None
    assert reason in refusal.reason


async def test_url_limits_allow_what_telegram_allows(
    emulator: BotApiEmulator, bot: Bot, file_server: str
) -> None:
    video = await bot.send_video(42, f"{file_server}/clip.mp4")
    assert video.video is not None
    assert video.video.file_size == 2 * MB
    document = await bot.send_document(42, f"{file_server}/report.pdf")
    assert document.document is not None
    assert document.document.mime_type == "application/pdf"
    with pytest.raises(TelegramBadRequest, match="wrong type of the web page content"):
        await bot.send_document(42, f"{file_server}/page.html")


async def test_unreachable_url_is_a_wrong_file_identifier(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.send_photo(42, "http://127.0.0.1:9/nothing.png")


async def test_uploads_over_the_multipart_limits_get_413(bot: Bot) -> None:
    big_photo = BufferedInputFile(PNG + b"\0" * (10 * MB), filename="big.png")
    with pytest.raises(TelegramEntityTooLarge, match="Request Entity Too Large"):
        await bot.send_photo(42, big_photo)
    big_file = BufferedInputFile(b"\0" * (50 * MB + 1), filename="big.bin")
    with pytest.raises(TelegramEntityTooLarge):
        await bot.send_document(42, big_file)
    as_document = await bot.send_document(42, BufferedInputFile(b"\0" * (11 * MB), "p.bin"))
    assert as_document.document is not None


async def test_a_photo_that_is_not_an_image_is_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(42, BufferedInputFile(b"not an image", filename="x.png"))


async def test_user_files_can_be_fetched_and_big_ones_refused(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    user = emulator.user(user_id=42)
    small = await user.send_document(b"data", "заявка.txt", "text/plain")
    big = await user.send_document(b"\0" * (20 * MB + 1), "big.zip", "application/zip")
    file = await bot.get_file(small.data["document"]["file_id"])
    assert file.file_path is not None
    assert file.file_path.endswith(".txt")
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.read() == b"data"
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(big.data["document"]["file_id"])
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")


async def test_parameters_decode_from_query_json_form_and_multipart(
    emulator: BotApiEmulator,
) -> None:
    base = f"{emulator.base_url}/bot{emulator.token}"
    markup = {"inline_keyboard": [[{"text": "Ок", "callback_data": "ok"}]]}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/SENDMESSAGE", params={"chat_id": "42", "text": "[1, 2]"}):
            pass
        async with http.post(
            f"{base}/sendMessage", json={"chat_id": 42, "text": "json", "reply_markup": markup}
        ):
            pass
        form = {"chat_id": "42", "text": "form", "reply_markup": json.dumps(markup)}
        async with http.post(f"{base}/sendMessage", data=form):
            pass
        upload = aiohttp.FormData()
        upload.add_field("chat_id", "42")
        upload.add_field("photo", "attach://file1")
        upload.add_field("has_spoiler", "true")
        upload.add_field("file1", PNG, filename="p.png")
        async with http.post(f"{base}/sendPhoto", data=upload) as response:
            photo = await response.json()
    texts = [call.result["text"] for call in emulator.sent("sendMessage")]
    assert texts == ["[1, 2]", "json", "form"]
    assert [c.params.get("reply_markup") for c in emulator.sent("sendMessage")][1:] == [markup] * 2
    assert photo["ok"]
    assert photo["result"]["has_media_spoiler"] is True
    assert emulator.sent("sendPhoto")[0].files["file1"].data == PNG


def test_image_and_video_headers_give_their_sizes() -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x04ab\xff\xc0\x00\x11\x08" + struct.pack(">HH", 300, 400)
    gif = b"GIF89a" + struct.pack("<HH", 7, 9)
    webp = b"RIFF\0\0\0\0WEBPVP8X" + b"\0" * 8 + (99).to_bytes(3, "little") * 2
    infos = [image_info(data) for data in (PNG, jpeg + b"\0" * 8, gif, webp)]
    assert [(i.mime_type, i.width, i.height) for i in infos if i] == [
        ("image/png", 120, 80),
        ("image/jpeg", 400, 300),
        ("image/gif", 7, 9),
        ("image/webp", 100, 100),
    ]
    assert image_info(b"plain text") is None
    tkhd = struct.pack(">I4s", 92, b"tkhd") + b"\0" * 76 + struct.pack(">II", 640 << 16, 360 << 16)
    mvhd = struct.pack(">I4sB3xIIII", 108, b"mvhd", 0, 0, 0, 1000, 5000) + b"\0" * 80
    mp4 = struct.pack(">I4s", 16, b"ftyp") + b"isom\0\0\0\0" + mvhd + tkhd
    assert video_info(mp4) is not None
    assert (video_info(mp4).width, video_info(mp4).height, video_info(mp4).duration) == (  # type: ignore[union-attr]
        640,
        360,
        5,
    )
