"""Throttling: a token bucket per user, the middleware that drops what comes too fast (and still
answers every press), and button mashing against the real app and the Bot API emulator."""

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiogram.types import Chat, Message, PreCheckoutQuery, SuccessfulPayment, Update, User

from tests.e2e.conftest import running_stack
from trt.bot.callbacks import MenuCb
from trt.bot.dispatcher import THROTTLE_BURST, THROTTLE_RATE
from trt.bot.middlewares import Throttling, TokenBuckets
from trt.bot.texts import load_translations

USER = User(id=9001, is_bot=False, first_name="Ann", language_code="en")
TOO_FAST_EN = "⏳ Too fast — one moment, please."


class Ticks:
    """Monotonic seconds that a test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_rate_holds() -> None:
    ticks = Ticks()
    buckets = TokenBuckets(rate=4, burst=3, clock=ticks)

    assert [buckets.take(1) for _ in range(4)] == [True, True, True, False]
    ticks.now += 0.125  # half a token
    assert buckets.take(1) is False
    ticks.now += 0.125  # a whole one now
    assert [buckets.take(1), buckets.take(1)] == [True, False]


def test_users_have_their_own_buckets_and_idle_ones_are_forgotten() -> None:
    ticks = Ticks()
    buckets = TokenBuckets(rate=5, burst=2, clock=ticks)
    assert [buckets.take(1), buckets.take(1), buckets.take(1)] == [True, True, False]
    assert buckets.take(2) is True
    assert len(buckets) == 2

    ticks.now += 1.0  # both buckets are full again: nothing to remember
    assert buckets.take(3) is True
    assert len(buckets) == 1
    assert [buckets.take(1), buckets.take(1), buckets.take(1)] == [True, True, False]


def message(message_id: int, **fields: Any) -> Update:
    chat = Chat(id=USER.id, type="private")
    sent = Message(
        message_id=message_id, date=datetime.now(UTC), chat=chat, from_user=USER, **fields
    )
    return Update(update_id=message_id, message=sent)


def pre_checkout(update_id: int) -> Update:
    query = PreCheckoutQuery(
        id=str(update_id), from_user=USER, currency="XTR", total_amount=50, invoice_payload="o:1"
    )
    return Update(update_id=update_id, pre_checkout_query=query)


def paid(update_id: int) -> Update:
    payment = SuccessfulPayment(
        currency="XTR",
        total_amount=50,
        invoice_payload="o:1",
        telegram_payment_charge_id=f"charge-{update_id}",
        provider_payment_charge_id="",
    )
    return message(update_id, successful_payment=payment)


async def passed(updates: list[Update]) -> int:
    """How many of `updates`, sent at once by one user, reach the handler."""
    throttling = Throttling(
        translations=load_translations(),
        buckets=TokenBuckets(rate=THROTTLE_RATE, burst=THROTTLE_BURST, clock=Ticks()),
    )
    handled: list[int] = []

    async def handler(event: Any, data: dict[str, Any]) -> None:
        handled.append(event.update_id)

    for update in updates:
        await throttling(handler, update, {"event_from_user": USER})
    return len(handled)


async def test_messages_beyond_the_burst_are_dropped() -> None:
    texts = [message(n, text="hi") for n in range(1, THROTTLE_BURST + 6)]
    assert await passed(texts) == THROTTLE_BURST


async def test_albums_and_payments_are_never_dropped() -> None:
    many = range(1, THROTTLE_BURST + 6)
    album = [message(n, text=None, media_group_id="album-1") for n in many]
    payments = [update for n in many for update in (pre_checkout(n), paid(100 + n))]
    assert await passed(album) == len(album)
    assert await passed(payments) == len(payments)


async def test_button_mashing_is_throttled_and_every_press_answered(db_url: str) -> None:
    async with running_stack(db_url) as stack:
        user = stack.telegram.user(user_id=9002, language_code="en")
        await user.send_command("/start")
        menu = await user.wait_for(lambda m: m.text is not None and m.text.startswith("Hi"))
        await asyncio.sleep(1 / THROTTLE_RATE)  # the /start's token is back
        help_button = MenuCb(action="help").pack()

        mashed = 2 * THROTTLE_BURST
        presses = await asyncio.gather(*(user.press(menu, help_button) for _ in range(mashed)))

        assert all(press.answered for press in presses)
        handled = [press for press in presses if press.text != TOO_FAST_EN]
        assert 1 <= len(handled) <= THROTTLE_BURST + 2  # + what refilled while they arrived
        await asyncio.sleep(2 / THROTTLE_RATE)
        later = await user.press(menu, help_button, check=False)  # the menu shows help now
        assert later.answered
        assert later.text != TOO_FAST_EN
        assert user.message(menu).text.startswith("How it works")
