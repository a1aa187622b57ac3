"""The web chat page in headless Chromium, talking to a real aiogram bot through the emulator."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from trt.sandbox.botapi import BotApiEmulator

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT = Path("/tmp/chat_page.png")
WAIT_SECONDS = 15

pytestmark = pytest.mark.browser


class Step(CallbackData, prefix="step"):
    number: int


def build_router() -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardBuilder()
        keyboard.button(text="Дальше → Next", callback_data=Step(number=1))
        await message.answer(
            "<b>Добро пожаловать!</b> Welcome to the sandbox.",
            parse_mode="HTML",
            reply_markup=keyboard.as_markup(),
        )

    @router.callback_query(Step.filter())
    async def next_step(query: CallbackQuery, callback_data: Step) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"Шаг {callback_data.number} пройден ✅ Step done")
        await query.answer("Готово")

    return router


def require_browser() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if shutil.which(path) is None]
    if not missing:
        return
    message = f"headless browser test needs {', '.join(missing)}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
async def running_bot() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(bot_first_name="TRT Sandbox") as emulator:
        bot = Bot(
            emulator.token,
            session=AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url)),
        )
        dp = Dispatcher()
        dp.include_router(build_router())
        task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
        await emulator.wait_until(lambda: bool(emulator.calls("getMe")), timeout=10)
        yield emulator
        await dp.stop_polling()
        await asyncio.wait_for(task, 10)


def drive_page(url: str) -> tuple[str, str]:
    """Type /start, read the reply, press its button, read the edit, send a two-line message
    (runs in a thread)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="chat-page-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=900,760",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        wait = WebDriverWait(driver, WAIT_SECONDS)
        driver.get(url)
        box = wait.until(ec.element_to_be_clickable((By.ID, "text-input")))
        box.send_keys("/start")
        driver.find_element(By.ID, "send-button").click()
        reply = wait.until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, ".from-bot .bubble .text"))
        )
        first_text = reply.text
        button = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".inline-button")))
        button.click()
        wait.until(
            ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".from-bot .bubble .text"), "Шаг 1")
        )
        wait.until(ec.visibility_of_element_located((By.ID, "toast")))
        edited_text = driver.find_element(By.CSS_SELECTOR, ".from-bot .bubble .text").text
        # Shift+Enter starts a new line of the same message; Enter sends it.
        box.send_keys("Brian: hi")
        ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
        box.send_keys("Bella: hello", Keys.ENTER)
        wait.until(
            ec.text_to_be_present_in_element(
                (By.CSS_SELECTOR, ".from-user:last-child .bubble .text"), "Bella: hello"
            )
        )
        driver.save_screenshot(str(SCREENSHOT))
        return first_text, edited_text
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


async def test_person_chats_with_the_bot_in_the_browser(running_bot: BotApiEmulator) -> None:
    require_browser()
    first_text, edited_text = await asyncio.to_thread(drive_page, f"{running_bot.base_url}/")
    assert first_text == "Добро пожаловать! Welcome to the sandbox."
    assert edited_text == "Шаг 1 пройден ✅ Step done"
    user = running_bot.user(user_id=1001)
    [message] = user.messages(from_bot=True)
    assert message.edited
    assert message.buttons == []
    assert [m.text for m in user.messages(from_bot=False)] == ["/start", "Brian: hi\nBella: hello"]
    assert running_bot.sent("answerCallbackQuery")[-1].params["text"] == "Готово"
    assert SCREENSHOT.stat().st_size > 0
