"""`trt sandbox` with card payments, as the web chat page drives it: a real process; the user's
side speaks the page's `/_chat/*` JSON API, and the payment link button (which the page draws
as a link) opens the YooKassa simulator's page, where "Pay" credits the balance."""

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.drivers.process import get_json, sandbox_process

USER = 1002
WAIT_SECONDS = 30


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    with sandbox_process(tmp_path) as chat_url:
        yield chat_url


def post(url: str, body: dict[str, Any] | None = None) -> tuple[int, str]:
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def as_user(body: dict[str, Any]) -> dict[str, Any]:
    return {"user_id": USER, "language_code": "en", **body}


def wait_message(chat: str, found: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        _, state = get_json(f"{chat}/_chat/state?user_id={USER}", timeout=5)
        for message in reversed(state["messages"]):
            if message["from_bot"] and found(message):
                return dict(message)
        time.sleep(0.1)
    raise AssertionError(f"no such message in {state['messages']}")


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    [found] = [b for row in message["buttons"] for b in row if b["text"] == label]
    return dict(found)


def press(chat: str, message: dict[str, Any], label: str) -> None:
    data = button(message, label)["callback_data"]
    post(f"{chat}/_chat/press", as_user({"message_id": message["id"], "callback_data": data}))


def test_a_person_pays_by_card_in_the_sandbox(sandbox: str) -> None:
    post(f"{sandbox}/_chat/command", as_user({"command": "/topup"}))
    top_up = wait_message(sandbox, lambda m: "Top up with Telegram Stars" in (m["text"] or ""))
    press(sandbox, top_up, "💳 Bank card / SBP")
    amounts = wait_message(sandbox, lambda m: "bank card or SBP" in (m["text"] or ""))
    press(sandbox, amounts, "300 ₽")
    wait_message(sandbox, lambda m: "receipt" in (m["text"] or ""))
    post(f"{sandbox}/_chat/send", as_user({"text": "person@example.com"}))
    link = wait_message(sandbox, lambda m: "Top-up of 300 ₽" in (m["text"] or ""))

    url = button(link, "Pay 300 ₽")["url"]
    assert url.startswith("http://127.0.0.1:")  # the page draws it as a link that opens it
    assert "/checkout/" in url
    with urllib.request.urlopen(url, timeout=10) as page:
        assert "300.00 RUB" in page.read().decode()
    status, result = post(f"{url}/pay")
    assert status == 200
    assert 'href="http://127.0.0.1:' in result  # back to the chat page

    paid = wait_message(sandbox, lambda m: "Card payment received" in (m["text"] or ""))
    assert paid["text"] == "✅ Card payment received: 300 ₽ credited.\n💰 Balance: 300 ₽"
