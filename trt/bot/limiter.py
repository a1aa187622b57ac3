"""Outgoing-message pacing for this process: Telegram's per-chat and overall limits, and 429s.

Two token buckets gate every send: one per chat (about 1 message/s, a short burst allowed) and
one overall (29/s with a burst of 10, under Telegram's ~30/s; see below). `acquire` returns only
when both have a token
and no global pause is in force, and takes one from each in the same step (no await between
the check and the take, so concurrent callers never overdraw). A 429's `retry_after` pauses
every send of this process until it has passed.

The buckets are per process: several instances each keep their own. Bulk sends (broadcasts)
must run in one instance at a time for the overall limit to hold (SPEC §2.4).

Why 29/s and a burst of 10: Telegram documents "about 30 messages per second" for sends to
different chats (the Bot API emulator enforces 30/s with a burst of 30). A sender whose output
fits (burst b, rate r) stays inside (30, 30) at the receiving end as long as b + r x J <= 30,
where J is how much request arrival times may bunch up in transit: with (10, 29) that is J <=
0.69 s, so loopback or network jitter never turns into a 429. At 25/s (the old setting) a
broadcast could not reach the 28 messages/s asked for (bench/broadcast.py). Edits of a message
(`editMessageText`) are not sends and do not pass through here.

Paid broadcasts (`allow_paid_broadcast=True`, 0.1 Star a message from the bot's balance) lift
the overall limit to 1000 messages/s; such sends take from a separate bucket (`paid=True`).
Assumption: Telegram counts them against that limit only, not against the free ~30/s; the
per-chat limit still holds for them.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

MAX_IDLE_CHATS = 4096
# Refill arithmetic in floats can land a hair under a whole token after the exact wait.
EPSILON = 1e-9


class TokenBucket:
    """`capacity` tokens at most, refilled at `rate` tokens per second."""

    def __init__(self, *, rate: float, capacity: float, now: float) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("a bucket needs rate > 0 and capacity >= 1")
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until a token is available (0 if one is now)."""
        self._refill(now)
        return 0.0 if self._tokens >= 1 - EPSILON else (1 - self._tokens) / self.rate

    def take(self) -> None:
        self._tokens -= 1

    def is_full(self, now: float) -> bool:
        self._refill(now)
        return self._tokens >= self.capacity - EPSILON

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = now


class SendLimiter:
    def __init__(
        self,
        *,
        per_chat_rate: float = 1.0,
        per_chat_burst: float = 3,
        overall_rate: float = 29.0,
        overall_burst: float = 10,
        paid_rate: float = 900.0,
        paid_burst: float = 100,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._per_chat = (per_chat_rate, per_chat_burst)
        self._clock = clock
        self._sleep = sleep
        self._overall = TokenBucket(rate=overall_rate, capacity=overall_burst, now=clock())
        self._paid = TokenBucket(rate=paid_rate, capacity=paid_burst, now=clock())
        self._chats: dict[int, TokenBucket] = {}
        self._paused_until = clock()

    async def acquire(self, chat_id: int, *, paid: bool = False) -> None:
        """Wait until one more message to `chat_id` is within the limits, and count it;
        `paid`: a paid broadcast, under the paid overall limit instead of the free one."""
        overall = self._paid if paid else self._overall
        while True:
            now = self._clock()
            chat = self._chat(chat_id, now)
            wait = max(self._paused_until - now, overall.wait_time(now), chat.wait_time(now))
            if wait <= 0:
                overall.take()
                chat.take()
                return
            await self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (Telegram's `retry_after`); a longer pause wins."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def paused_for(self) -> float:
        """Seconds left of the current global pause."""
        return max(0.0, self._paused_until - self._clock())

    def _chat(self, chat_id: int, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= MAX_IDLE_CHATS:
                self._forget_idle(now)
            rate, burst = self._per_chat
            bucket = self._chats[chat_id] = TokenBucket(rate=rate, capacity=burst, now=now)
        return bucket

    def _forget_idle(self, now: float) -> None:
        # A full bucket is what a new one would be, so dropping it changes nothing.
        for chat_id in [key for key, bucket in self._chats.items() if bucket.is_full(now)]:
            del self._chats[chat_id]
