"""The input wizard through the real bot: card → Generate → steps → summary → confirm, on both
database engines, with the Bot API emulator and the KIE simulator."""

import asyncio
from collections.abc import AsyncIterator, Awaitable

import pytest

from tests.drivers.process import free_port
from tests.e2e.conftest import KIE_KEY, Stack, running_stack
from trt.app import serve
from trt.app.parts import Parts
from trt.config import load_settings
from trt.domain.catalog import MEGABYTE, load_catalog
from trt.domain.inputs import validate
from trt.domain.money import format_rub
from trt.domain.pricing import PricingPolicy, quote
from trt.sandbox.botapi import BotApiEmulator, StoredMessage
from trt.sandbox.botapi.imaging import solid_png
from trt.sandbox.botapi.user import UserDriver
from trt.sandbox.kie import KieSimulator
from trt.storage.database import Database
from trt.storage.jobs import Job, list_for_user

CATALOG = load_catalog()
SUMMARY_EN = "check and confirm"


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


def button_data(message: StoredMessage, label: str) -> str:
    for row in message.buttons:
        for button in row:
            if button["text"] == label:
                return str(button["callback_data"])
    raise LookupError(f"no button {label!r} on {message.text!r}")


async def open_wizard(user: UserDriver, model_id: str) -> StoredMessage:
    """Open the model's card by deep link and press Generate; returns the first screen."""
    model = CATALOG.get(model_id)
    await user.send_command("/start", payload=f"m_{model.slug}")
    card = await user.wait_for(lambda m: "▶️ Generate" in labels(m) or "▶️ Создать" in labels(m))
    await user.press(card, button_data(card, labels(card)[0]))
    return await user.wait_for(lambda m: m.message_id == card.message_id and m.edited)


async def summary_after(user: UserDriver, action: Awaitable[object]) -> StoredMessage:
    """Do something and wait for the summary it leads to (a new screen, not one shown before)."""
    shown = {(m.message_id, m.text) for m in user.messages(from_bot=True)}
    await action
    return await user.wait_for(
        lambda m: SUMMARY_EN in m.text and (m.message_id, m.text) not in shown
    )


async def jobs_of(db: Database, user_id: int) -> list[Job]:
    async with db.read() as tx:
        return await list_for_user(tx, user_id, limit=10)


def price_of(model_id: str, **values: object) -> str:
    model = CATALOG.get(model_id)
    checked = validate(model, {"prompt": "p", **values})
    return format_rub(quote(model, checked.values, PricingPolicy()).price)


async def send_album(telegram: BotApiEmulator, user: UserDriver, count: int) -> None:
    """Several photos with one media_group_id, delivered back to back (as Telegram does)."""
    ctx = telegram.ctx
    updates = []
    for index in range(count):
        data = solid_png(16 + index, 16)
        stored = ctx.files.add(data, kind="photo", mime_type="image/png", width=16, height=16)
        photo = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "width": 16 + index,
            "height": 16,
        }
        content = {"from": user.user, "photo": [photo], "media_group_id": "album-1"}
        updates.append({"message": dict(ctx.chats.add(user.chat, content, from_bot=False).data)})
    for update in updates:
        await ctx.deliver(update)


async def send_sticker(telegram: BotApiEmulator, user: UserDriver) -> None:
    sticker = {
        "file_id": "CAACAgIAAxkBAAEsticker",
        "file_unique_id": "AgADsticker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    content = {"from": user.user, "sticker": sticker}
    message = telegram.ctx.chats.add(user.chat, content, from_bot=False)
    await telegram.ctx.deliver({"message": dict(message.data)})


async def test_a_free_model_from_the_menu_to_a_started_job(stack: Stack) -> None:
    user = stack.telegram.user(user_id=6001, language_code="ru")
    await user.send_command("/start")
    await user.wait_for(lambda m: "Привет" in m.text)
    await user.click("🆓 Бесплатные")
    await user.wait_for(lambda m: m.text.startswith("🆓 Бесплатные модели"))
    await user.click("Z-Image · бесплатно")
    card = await user.wait_for(lambda m: "Бесплатно (до 5 в день)" in m.text)
    await user.click("▶️ Создать")
    step = await user.wait_for(lambda m: "до 1000 символов" in m.text and m.edited)
    assert step.message_id == card.message_id
    assert "Шаг 1 из 1" in step.text

    await user.send_text("a red apple")
    summary = await user.wait_for(lambda m: "проверьте и подтвердите" in m.text)
    assert "• Описание (промпт): a red apple" in summary.text
    assert "• Соотношение сторон: 1:1" in summary.text
    assert "🆓 Бесплатно: осталось 5 из 5 на сегодня" in summary.text

    await user.click("✏️ Соотношение сторон")
    await user.wait_for(lambda m: "выберите вариант" in m.text and "Сейчас: 1:1" in m.text)
    await user.click("16:9")
    summary = await user.wait_for(lambda m: "• Соотношение сторон: 16:9" in m.text)

    await user.click("✅ Подтвердить")
    await stack.telegram.wait_until(lambda: "проверьте" not in user.message(summary).text)
    [job] = await jobs_of(stack.db, 6001)
    assert (job.model_id, job.status_message_id) == ("z-image", summary.message_id)
    assert job.inputs == {"prompt": "a red apple", "aspect_ratio": "16:9"}
    assert user.message(summary).text.startswith(("⏳", "🎨", "✅"))


async def test_a_photo_is_taken_and_a_wrong_or_large_document_refused(stack: Stack) -> None:
    user = stack.telegram.user(user_id=6002, language_code="en")
    await open_wizard(user, "qwen-edit")
    await user.send_text("make it blue")
    step = await user.wait_for(lambda m: m.text.startswith("Qwen Image Edit") and "🖼" in m.text)
    assert "send a photo or an image file (JPEG, PNG, WEBP, up to 10 MB)" in step.text

    await user.send_document(b"%PDF-1.4 not an image", "notes.pdf", "application/pdf")
    await user.wait_for(lambda m: "type application/pdf is not accepted" in m.text)
    await user.send_document(b"\0" * (11 * MEGABYTE), "huge.png", "image/png")
    await user.wait_for(lambda m: "the file is 11 MB, the limit is 10 MB" in m.text)
    await user.send_text("here is my text instead")
    hint = await user.wait_for(lambda m: "🖼" in m.text, since=user.last_message(from_bot=False))
    assert "⚠️" not in hint.text  # just the step's hint again

    summary = await summary_after(user, user.send_photo(solid_png(32, 32)))
    assert "• Image: 1 file" in summary.text
    assert "🆓 Free: 5 of 5 left today" in summary.text


async def test_an_album_fills_an_images_field_up_to_its_maximum(stack: Stack) -> None:
    user = stack.telegram.user(user_id=6003, language_code="en")
    await open_wizard(user, "veo-3-1-fast-i2v")
    await user.send_text("the waves move")
    await user.wait_for(lambda m: "send 1 to 2 photos" in m.text)

    await send_album(stack.telegram, user, 2)
    await user.wait_for(lambda m: "✅ Done (2)" in labels(m))
    await user.send_photo(solid_png(20, 20))
    await user.wait_for(lambda m: "At most 2 files — this one was not added" in m.text)

    summary = await summary_after(user, user.click("✅ Done (2)"))
    assert "• Images: 2 files" in summary.text
    assert f"💳 Price: {price_of('veo-3-1-fast-i2v')} · your balance: 0 ₽" in summary.text


async def test_a_too_long_prompt_and_a_number_out_of_range_are_asked_again(stack: Stack) -> None:
    user = stack.telegram.user(user_id=6004, language_code="en")
    await open_wizard(user, "qwen-t2i")
    await user.send_text("x" * 5001)
    refused = await user.wait_for(lambda m: "too long" in m.text)
    assert "⚠️ Prompt: too long: 5001 characters, at most 5000." in refused.text
    assert "Prompt: send a message, up to 5000 characters." in refused.text

    await summary_after(user, user.send_text("a cat"))
    await user.click("✏️ Prompt guidance")
    await user.wait_for(lambda m: "send a number from 0 to 20" in m.text)
    await user.send_text("25")
    await user.wait_for(lambda m: "the value must be from 0 to 20" in m.text)
    await user.send_text("much")
    await user.wait_for(lambda m: "“much” is not a number" in m.text)
    summary = await summary_after(user, user.send_text("7,5"))
    assert "• Prompt guidance: 7.5" in summary.text


async def test_back_and_cancel_at_several_steps(stack: Stack) -> None:
    user = stack.telegram.user(user_id=6005, language_code="en")
    step = await open_wizard(user, "qwen-edit")
    await user.click("⬅️ Back")
    card = await user.wait_for(
        lambda m: m.message_id == step.message_id and "▶️ Generate" in labels(m)
    )
    assert "What you provide:" in card.text

    await user.click("▶️ Generate")
    await user.wait_for(lambda m: "Step 1 of 2" in m.text)
    await user.send_text("a red apple")
    await user.wait_for(lambda m: "Step 2 of 2" in m.text)
    await user.click("⬅️ Back")
    await user.wait_for(lambda m: "Step 1 of 2" in m.text and "Now: a red apple" in m.text)
    sent = await user.send_text("a green apple")
    await user.wait_for(lambda m: "Step 2 of 2" in m.text, since=sent)
    await summary_after(user, user.send_photo(solid_png(8, 8)))

    await user.click("✏️ Negative prompt")
    await user.wait_for(lambda m: "Optional" in m.text)
    summary = await summary_after(user, user.click("⬅️ Back"))
    assert "• Prompt: a green apple" in summary.text
    await user.click("⬅️ Back")
    await user.wait_for(lambda m: "Step 2 of 2" in m.text)
    await user.click("✖️ Cancel")
    await user.wait_for(lambda m: m.text == "Cancelled. Here is the main menu.")

    await open_wizard(user, "qwen-edit")
    await user.send_command("/cancel")
    await user.wait_for(lambda m: m.text == "Cancelled. Here is the main menu." and not m.edited)
    await user.send_text("a prompt nobody asked for")
    await user.wait_for(lambda m: m.text.startswith("I understand menu buttons"))


async def test_a_priced_option_changes_the_price_on_the_summary(stack: Stack) -> None:
    user = stack.telegram.user(user_id=6006, language_code="en")
    await open_wizard(user, "nano-banana-pro")
    summary = await summary_after(user, user.send_text("a red apple"))
    cheap, dear = price_of("nano-banana-pro"), price_of("nano-banana-pro", resolution="4K")
    assert cheap != dear
    assert f"💳 Price: {cheap}" in summary.text

    await user.click("✏️ Resolution")
    await user.click("4K")
    summary = await user.wait_for(lambda m: "• Resolution: 4K" in m.text)
    assert f"💳 Price: {dear}" in summary.text


async def test_refusals_explain_money_and_the_free_quota(stack: Stack) -> None:
    user = stack.telegram.user(user_id=6007, language_code="en")
    await open_wizard(user, "nano-banana")
    await summary_after(user, user.send_text("a red apple"))
    await user.click("✅ Confirm")
    price = price_of("nano-banana")
    refusal = await user.wait_for(lambda m: m.text.startswith("Not enough money"))
    assert (
        refusal.text
        == f"Not enough money: the price is {price}, your balance 0 ₽, missing {price}."
    )
    assert "💳 Top up" in labels(refusal)
    summary = await summary_after(user, user.click("⬅️ To the summary"))
    assert "✅ Confirm" in labels(summary)

    for _ in range(5):
        await stack.parts.generation.start(
            user_id=6007, chat_id=6007, model_id="z-image", values={"prompt": "p"}
        )
    await open_wizard(user, "z-image")
    summary = await summary_after(user, user.send_text("a cat"))
    assert "All 5 free generations for today are used; they reset at 00:00" in summary.text
    await user.click("✅ Confirm")
    await user.wait_for(
        lambda m: (
            m.text == "You have used all 5 free generations for today; "
            "they reset at 00:00 (Moscow time)."
        )
    )
    assert len(await jobs_of(stack.db, 6007)) == 5


async def test_two_quick_confirms_start_one_job(stack: Stack) -> None:
    user = stack.telegram.user(user_id=6008, language_code="en")
    await open_wizard(user, "z-image")
    summary = await summary_after(user, user.send_text("a red apple"))
    confirm = button_data(summary, "✅ Confirm")
    presses = await asyncio.gather(*(user.press(summary, confirm) for _ in range(3)))
    assert all(press.answered for press in presses)
    answers = [press.text for press in presses]
    assert answers.count("Already started — watch the status message.") == 2
    late = await user.press(summary, confirm, check=False)
    assert late.text == "Already started — watch the status message."
    assert len(await jobs_of(stack.db, 6008)) == 1


async def test_unexpected_input_gets_the_hint_and_the_summary_again(stack: Stack) -> None:
    user = stack.telegram.user(user_id=6011, language_code="en")
    step = await open_wizard(user, "z-image")
    hint = "✍️ Prompt: send a message, up to 1000 characters."
    for send in (user.send_photo(solid_png(8, 8)), send_sticker(stack.telegram, user)):
        sent_before = len(user.messages(from_bot=True))
        await send
        again = await user.wait_for(lambda m: hint in m.text, since=step)
        assert len(user.messages(from_bot=True)) == sent_before + 1
        assert "⚠️" not in again.text
        step = again

    old = await summary_after(user, user.send_text("a red apple"))
    summary = await summary_after(user, user.send_text("and a pear"))
    assert summary.text.startswith("Use the buttons under the summary")
    assert "• Prompt: a red apple" in summary.text
    await user.press(old, button_data(old, "✅ Confirm"))
    await user.wait_for(lambda m: m.text == "This menu is outdated. Here is the main menu.")
    assert await jobs_of(stack.db, 6011) == []


async def test_a_button_of_another_wizard_is_outdated(stack: Stack) -> None:
    user = stack.telegram.user(user_id=6009, language_code="en")
    old = await open_wizard(user, "qwen-edit")
    await open_wizard(user, "z-image")
    pressed = await user.press(old, button_data(old, "⬅️ Back"))
    assert pressed.answered
    await user.wait_for(lambda m: m.text == "This menu is outdated. Here is the main menu.")
    step = await user.wait_for(lambda m: "Step 1 of 1" in m.text)
    assert step.message_id != old.message_id

    await user.send_command("/cancel")
    cancelled = await user.wait_for(lambda m: m.text == "Cancelled. Here is the main menu.")
    await user.press(step, button_data(step, "⬅️ Back"))
    await user.wait_for(lambda m: m.text.startswith("This menu is outdated"), since=cancelled)


class Restartable:
    """The whole app on one database and emulator, stopped and started again at will."""

    def __init__(self, telegram: BotApiEmulator, kie: KieSimulator, db_url: str) -> None:
        self.telegram = telegram
        self._kie = kie
        self._db_url = db_url
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        port = free_port()
        settings = load_settings(
            bot_token=self.telegram.token,
            kie_api_key=KIE_KEY,
            database_url=self._db_url,
            telegram_api_base=self.telegram.base_url,
            kie_api_base=self._kie.base_url,
            kie_upload_base=self._kie.base_url,
            host="127.0.0.1",
            port=port,
        )
        self._stop = asyncio.Event()
        started: asyncio.Future[Parts] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(serve(settings, stop=self._stop, started=started))
        await asyncio.wait_for(started, timeout=30)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=30)
            self._task = None


@pytest.fixture
async def restartable(db_url: str) -> AsyncIterator[Restartable]:
    async with KieSimulator(api_key=KIE_KEY) as kie, BotApiEmulator() as telegram:
        app = Restartable(telegram, kie, db_url)
        await app.start()
        try:
            yield app
        finally:
            await app.stop()


async def test_the_wizard_survives_a_restart(restartable: Restartable) -> None:
    user = restartable.telegram.user(user_id=6010, language_code="en")
    await open_wizard(user, "qwen-edit")
    await user.send_text("a red apple")
    step = await user.wait_for(lambda m: "Step 2 of 2" in m.text)

    await restartable.stop()
    await restartable.start()

    summary = await summary_after(user, user.send_photo(solid_png(8, 8)))
    assert "• Prompt: a red apple" in summary.text
    assert summary.message_id > step.message_id


async def test_too_many_starts_in_a_minute_are_refused_and_the_wizard_stays(db_url: str) -> None:
    async with running_stack(db_url, generation_starts_per_minute=2) as stack:
        user = stack.telegram.user(user_id=6021, language_code="en")
        await user.send_command("/start")  # registers the user
        await user.wait_for(lambda m: m.from_bot)
        for _ in range(2):
            await stack.parts.generation.start(
                user_id=6021, chat_id=6021, model_id="z-image", values={"prompt": "p"}
            )
        await open_wizard(user, "z-image")
        await summary_after(user, user.send_text("a third cat"))
        await user.click("✅ Confirm")

        refusal = await user.wait_for(lambda m: m.text.startswith("⏳ Too many generations"))
        assert refusal.text.endswith(" s.")
        assert "⬅️ To the summary" in labels(refusal)
        assert len(await jobs_of(stack.db, 6021)) == 2
        summary = await summary_after(user, user.click("⬅️ To the summary"))
        assert "✅ Confirm" in labels(summary)
