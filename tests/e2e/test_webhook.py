"""Webhook mode: Telegram pushes updates with the secret header; the wrong secret gets 401 and
changes nothing; the same update delivered twice has one effect."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.e2e.conftest import Stack, running_stack

SECRET = "webhook-secret-for-tests"


@pytest.fixture
async def webhook_stack(db_url: str) -> AsyncIterator[Stack]:
    async with running_stack(db_url, bot_mode="webhook", webhook_secret=SECRET) as running:
        yield running


async def test_updates_arrive_by_webhook_and_are_answered(webhook_stack: Stack) -> None:
    [registration] = webhook_stack.telegram.sent("setWebhook")
    assert registration.params["url"] == f"{webhook_stack.base_url}/telegram/webhook"
    assert registration.params["secret_token"] == SECRET

    user = webhook_stack.telegram.user(user_id=6001, language_code="en")
    await user.send_command("/start")
    await user.wait_for(lambda m: m.text.startswith("Hi,"))
    await user.click("🆓 Free")
    await user.wait_for(lambda m: m.text.startswith("🆓 Free models: 4 models"))
    assert all(d.status == 200 for d in webhook_stack.telegram.webhook_deliveries)


async def test_a_wrong_or_missing_secret_is_refused(webhook_stack: Stack) -> None:
    update = {
        "update_id": 77,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 6002, "type": "private"},
            "from": {"id": 6002, "is_bot": False, "first_name": "X"},
            "text": "/start",
        },
    }
    url = f"{webhook_stack.base_url}/telegram/webhook"
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 401
    assert webhook_stack.telegram.sent("sendMessage") == []


async def test_the_same_update_twice_has_one_effect(webhook_stack: Stack) -> None:
    user = webhook_stack.telegram.user(user_id=6003, language_code="ru")
    await user.send_command("/start")
    await user.wait_for(lambda m: m.from_bot)
    update_id = webhook_stack.telegram.webhook_deliveries[-1].update_id
    await webhook_stack.telegram.redeliver(update_id)
    await webhook_stack.telegram.wait_until(
        lambda: len(webhook_stack.telegram.webhook_deliveries) >= 2
    )
    await user.send_command("/help")
    await user.wait_for(lambda m: m.text.startswith("Как это работает"))
    greetings = [m for m in user.messages(from_bot=True) if m.text.startswith("Привет")]
    assert len(greetings) == 1
