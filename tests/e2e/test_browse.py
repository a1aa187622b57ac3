"""A user browses the catalog through the real bot, polling the Bot API emulator."""

from tests.e2e.conftest import Stack
from trt.domain.catalog import load_catalog
from trt.sandbox.botapi import StoredMessage


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


async def test_start_shows_the_menu_and_free_models_lead_to_a_card(stack: Stack) -> None:
    user = stack.telegram.user(user_id=5001, first_name="Аня", language_code="ru")
    await user.send_command("/start")
    menu = await user.wait_for(lambda m: "Привет, Аня!" in m.text)
    assert "🆓 Бесплатные" in labels(menu)

    await user.click("🆓 Бесплатные")
    listing = await user.wait_for(lambda m: m.text.startswith("🆓 Бесплатные модели: 4 модели"))
    free_titles = {m.title.ru for m in load_catalog().free_models()}
    assert free_titles <= {label.split(" · ")[0] for label in labels(listing)}
    assert all(label.endswith("бесплатно") for label in labels(listing) if " · " in label)

    z_image = next(m for m in load_catalog().free_models() if m.id == "z-image")
    await user.click(f"{z_image.title.ru} · бесплатно")
    card = await user.wait_for(lambda m: "Бесплатно (до 5 в день)" in m.text)
    assert z_image.description.ru in card.text
    assert "• Описание (промпт) (обязательно)" in card.text
    assert card.message_id == menu.message_id  # one screen, edited in place


async def test_paid_sections_show_prices_and_paginate(stack: Stack) -> None:
    user = stack.telegram.user(user_id=5002, language_code="en")
    await user.send_command("/start")
    await user.wait_for(lambda m: "Hi," in m.text)
    await user.click("🎬 Video")
    first = await user.wait_for(lambda m: m.text.startswith("🎬 Video:"))
    assert "1 / " in first.text
    first_page = labels(first)
    assert all("₽" in label for label in first_page if " · " in label)
    await user.click("▶️")
    second = await user.wait_for(lambda m: "2 / " in m.text)
    assert labels(second) != first_page


async def test_stale_buttons_and_unknown_text_get_an_answer(stack: Stack) -> None:
    user = stack.telegram.user(user_id=5003, language_code="ru")
    await user.send_command("/start")
    menu = await user.wait_for(lambda m: "Привет" in m.text)

    pressed = await user.press(menu, "mo:no-such-model:video:0", check=False)
    assert pressed.answered
    await user.wait_for(lambda m: m.text == "Эта модель больше недоступна. Вот главное меню.")
    pressed = await user.press(menu, "garbage-from-an-old-version", check=False)
    assert pressed.text == "Это меню устарело. Вот главное меню."

    await user.send_text("нарисуй кота")
    await user.wait_for(lambda m: m.text.startswith("Я понимаю кнопки меню и команды"))


async def test_language_switch_and_deep_link_and_balance(stack: Stack) -> None:
    user = stack.telegram.user(user_id=5004, language_code="ru")
    await user.send_command("/lang")
    await user.wait_for(lambda m: m.text == "Выберите язык:")
    await user.click("English 🇬🇧")
    await user.wait_for(lambda m: m.text == "Language: English 🇬🇧")

    slug = load_catalog().get("z-image").slug
    await user.send_command("/start", payload=f"m_{slug}")
    await user.wait_for(lambda m: "Free (up to 5 a day)" in m.text)
    await user.send_command("/balance")
    await user.wait_for(lambda m: m.text.startswith("💰 Balance: 0 ₽"))


async def test_bot_commands_are_registered_in_both_languages(stack: Stack) -> None:
    await stack.telegram.wait_until(lambda: len(stack.telegram.sent("setMyCommands")) >= 3)
    languages = {c.params.get("language_code") for c in stack.telegram.sent("setMyCommands")}
    assert {"ru", "en", None} <= languages


async def test_popular_models_and_search(stack: Stack) -> None:
    user = stack.telegram.user(user_id=5005, language_code="en")
    await user.send_command("/start")
    await user.wait_for(lambda m: "Hi," in m.text)
    await user.click("⭐ Popular")
    popular = await user.wait_for(lambda m: m.text.startswith("⭐ Popular models:"))
    assert any(label.startswith("Z-Image") for label in labels(popular))

    await user.click("🏠 Menu")
    await user.wait_for(lambda m: m.text == "Main menu")
    await user.click("🔎 Search")
    await user.wait_for(lambda m: m.text.startswith("Type what you are looking for"))
    await user.send_text("veo")
    found = await user.wait_for(lambda m: m.text.startswith("🔎 “veo”:"))
    assert labels(found)
    assert all("Veo" in label for label in labels(found) if " · " in label)

    await user.click(next(label for label in labels(found) if " · " in label))
    await user.wait_for(lambda m: "Price:" in m.text)
    await user.click("⬅️ Back")
    await user.wait_for(lambda m: m.text.startswith("🔎 “veo”:"))

    await user.click("🏠 Menu")
    await user.click("🔎 Search")
    await user.send_text("zzzz-nothing")
    await user.wait_for(lambda m: m.text.startswith("Nothing found for “zzzz-nothing”"))
