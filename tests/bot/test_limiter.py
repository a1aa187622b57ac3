"""SendLimiter: per-chat and overall token buckets and the global pause after a 429.

Most tests run on a fake clock whose `sleep` moves time; two use small real intervals, one of
them against the Bot API emulator enforcing Telegram's limits.
"""

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from hypothesis import given, settings
from hypothesis import strategies as st

from trt.bot.limiter import SendLimiter, TokenBucket
from trt.sandbox.botapi import BotApiEmulator


class FakeTime:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


def limiter(time: FakeTime, **options: float) -> SendLimiter:
    return SendLimiter(clock=time.clock, sleep=time.sleep, **options)


async def send_times(limits: SendLimiter, time: FakeTime, chats: list[int]) -> list[float]:
    """When each acquire returned, in seconds since the start, calling them one after another."""
    start = time.now
    times = []
    async with asyncio.timeout(1):
        for chat_id in chats:
            await limits.acquire(chat_id)
            times.append(round(time.now - start, 6))
    return times


async def test_one_chat_gets_a_burst_then_one_message_a_second(time: FakeTime) -> None:
    limits = limiter(time, per_chat_rate=1.0, per_chat_burst=3)

    assert await send_times(limits, time, [7] * 6) == [0, 0, 0, 1, 2, 3]


async def test_chats_do_not_wait_for_each_other(time: FakeTime) -> None:
    limits = limiter(time, per_chat_rate=1.0, per_chat_burst=1)

    assert await send_times(limits, time, [1, 2, 3, 1]) == [0, 0, 0, 1]


async def test_the_overall_limit_spaces_messages_across_chats(time: FakeTime) -> None:
    limits = limiter(time, overall_rate=25.0, overall_burst=25)

    times = await send_times(limits, time, list(range(1, 28)))

    assert times[:25] == [0] * 25
    assert times[25:] == [0.04, 0.08]


async def test_a_pause_holds_every_chat_until_it_ends(time: FakeTime) -> None:
    limits = limiter(time)
    limits.pause(5)

    assert limits.paused_for == 5
    assert await send_times(limits, time, [1, 2]) == [5, 5]
    assert limits.paused_for == 0


async def test_a_shorter_pause_never_cuts_a_longer_one(time: FakeTime) -> None:
    limits = limiter(time)
    limits.pause(10)
    limits.pause(2)

    assert await send_times(limits, time, [1]) == [10]


def within_bucket(times: list[float], *, rate: float, capacity: float) -> bool:
    """No span of the sorted send times holds more than a bucket allows: capacity + rate x span."""
    return all(
        j - i + 1 <= capacity + rate * (times[j] - times[i]) + 1e-6
        for i in range(len(times))
        for j in range(i, len(times))
    )


@settings(max_examples=60, deadline=None)
@given(chats=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=40))
def test_no_chat_and_no_second_ever_exceeds_its_bucket(chats: list[int]) -> None:
    time = FakeTime()
    limits = limiter(time, per_chat_rate=1.0, per_chat_burst=3, overall_rate=5.0, overall_burst=5)

    times = asyncio.run(send_times(limits, time, chats))

    assert within_bucket(times, rate=5.0, capacity=5)
    for chat_id in set(chats):
        mine = [t for t, c in zip(times, chats, strict=True) if c == chat_id]
        assert within_bucket(mine, rate=1.0, capacity=3)


async def test_a_bucket_refills_only_up_to_its_capacity(time: FakeTime) -> None:
    bucket = TokenBucket(rate=1.0, capacity=2, now=time.now)
    bucket.take()
    bucket.take()

    assert bucket.wait_time(time.now) == 1.0
    assert bucket.wait_time(time.now + 60) == 0.0
    bucket.take()
    bucket.take()
    assert bucket.wait_time(time.now + 60) == 1.0


async def test_invalid_buckets_are_refused() -> None:
    with pytest.raises(ValueError, match="rate > 0"):
        TokenBucket(rate=0, capacity=1, now=0)


async def test_concurrent_senders_to_one_chat_are_spaced_in_real_time() -> None:
    limits = SendLimiter(per_chat_rate=20.0, per_chat_burst=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    done: list[float] = []

    async def send() -> None:
        await limits.acquire(42)
        done.append(loop.time() - started)

    async with asyncio.timeout(2):
        await asyncio.gather(*(send() for _ in range(5)))

    done.sort()
    assert done[-1] >= 0.2 - 0.01  # four waits of 1/20 s after the first
    gaps = [later - earlier for earlier, later in itertools.pairwise(done)]
    assert min(gaps) >= 0.05 - 0.01


@pytest.fixture
async def strict_telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(enforce_limits=True) as api:
        api.user(user_id=7)
        yield api


async def test_a_burst_to_one_chat_stays_within_telegrams_limits(
    strict_telegram: BotApiEmulator,
) -> None:
    # A little under 1/s: the emulator measures arrival times, which jitter by a millisecond.
    limits = SendLimiter(per_chat_rate=0.9, per_chat_burst=3)
    session = AiohttpSession(api=TelegramAPIServer.from_base(strict_telegram.base_url))
    async with Bot(strict_telegram.token, session=session) as bot:
        for number in range(4):
            await limits.acquire(7)
            await bot.send_message(7, f"message {number}")

    assert strict_telegram.too_many_requests == 0
    assert len(strict_telegram.sent("sendMessage")) == 4


async def test_the_default_overall_limit_sends_to_many_chats_without_a_429(
    strict_telegram: BotApiEmulator,
) -> None:
    """The defaults (29/s, a burst of 10) against Telegram's 30/s, concurrent senders as the
    delivery worker has them: never a 429, and never faster than the set rate."""
    chats = list(range(1001, 1081))
    for chat_id in chats:
        strict_telegram.user(user_id=chat_id)
    limits = SendLimiter()
    session = AiohttpSession(api=TelegramAPIServer.from_base(strict_telegram.base_url))
    loop = asyncio.get_running_loop()
    async with Bot(strict_telegram.token, session=session) as bot:

        async def send(chat_id: int) -> None:
            await limits.acquire(chat_id)
            await bot.send_message(chat_id, "news")

        started = loop.time()
        async with asyncio.timeout(10):
            await asyncio.gather(*(send(chat_id) for chat_id in chats))
        elapsed = loop.time() - started

    assert strict_telegram.too_many_requests == 0
    assert len(strict_telegram.sent("sendMessage")) == len(chats)
    assert elapsed >= (len(chats) - 10) / 29 - 0.01


async def test_paid_sends_take_from_their_own_overall_bucket(time: FakeTime) -> None:
    limits = limiter(time, overall_rate=2.0, overall_burst=2, paid_rate=100.0, paid_burst=50)
    chats = list(range(1, 41))

    for chat_id in chats:
        await limits.acquire(chat_id, paid=True)
    assert time.now == 100.0  # 40 paid sends within the paid burst: nobody waited

    times = await send_times(limits, time, [41, 42, 43])  # the free bucket was left untouched
    assert times == [0, 0, 0.5]


async def test_paid_sends_keep_the_per_chat_limit(time: FakeTime) -> None:
    limits = limiter(time, per_chat_rate=1.0, per_chat_burst=1, paid_rate=1000.0)

    await limits.acquire(7, paid=True)
    await limits.acquire(7, paid=True)

    assert time.now == 101.0


async def test_the_emulator_lets_paid_broadcasts_past_the_free_overall_limit(
    strict_telegram: BotApiEmulator,
) -> None:
    chats = list(range(2001, 2061))
    for chat_id in chats:
        strict_telegram.user(user_id=chat_id)
    session = AiohttpSession(api=TelegramAPIServer.from_base(strict_telegram.base_url))
    async with Bot(strict_telegram.token, session=session) as bot:
        await asyncio.gather(
            *(bot.send_message(chat_id, "paid", allow_paid_broadcast=True) for chat_id in chats)
        )
        with pytest.raises(TelegramRetryAfter):  # the free limit still holds for the rest
            await asyncio.gather(*(bot.send_message(chat_id, "free") for chat_id in chats[:31]))

    assert strict_telegram.limiter.paid_messages == 60
    assert len(strict_telegram.sent("sendMessage")) >= 60 + 30
