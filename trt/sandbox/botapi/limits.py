"""Fault injection and Telegram's sending limits.

Faults are queued per method (optionally for one chat only) and consumed by the next matching
calls. Limits, when enforced,
are token buckets: about one message per second per chat with a short burst tolerated, and
about thirty per second overall; a call over either gets 429 with ``retry_after``.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from trt.sandbox.botapi.errors import ApiError, default_description, too_many_requests

MESSAGE_METHODS = frozenset(
    name.lower()
    for name in (
        "sendMessage",
        "sendPhoto",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendDocument",
        "sendAnimation",
        "sendMediaGroup",
        "sendInvoice",
        "sendSticker",
        "sendVideoNote",
        "sendLocation",
        "sendContact",
        "sendDice",
        "sendPoll",
        "copyMessage",
        "forwardMessage",
    )
)


@dataclass
class Fault:
    method: str
    status: int | None
    description: str | None
    retry_after: int | None
    delay: float
    remaining: int
    chat_id: int | None = None  # only calls for this chat (None: any)

    async def apply(self) -> None:
        """Hang for ``delay`` seconds, then refuse with the status if one is set."""
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        if self.status is None:
            return
        description = self.description
        if description is None:
            if self.status == 429:
                description = f"Too Many Requests: retry after {self.retry_after or 1}"
            else:
                description = default_description(self.status)
        raise ApiError(
            self.status,
            description,
            retry_after=self.retry_after if self.retry_after is not None else None,
            reason="injected fault",
        )


class FaultInjector:
    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def take(self, method: str, chat_id: int | None = None) -> Fault | None:
        method = method.lower()
        for fault in self._faults:
            if fault.method in (method, "*") and fault.chat_id in (None, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()


class TokenBucket:
    def __init__(self, *, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def wait_time(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def consume(self) -> None:
        self.tokens -= 1


class RateLimiter:
    """Per-chat and overall buckets for message-sending methods."""

    def __init__(
        self,
        *,
        per_chat_rate: float = 1.0,
        per_chat_burst: float = 3,
        overall_rate: float = 30.0,
        overall_burst: float = 30,
        paid_rate: float = 1000.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_chat = (per_chat_rate, per_chat_burst)
        self._clock = clock
        self._overall = TokenBucket(rate=overall_rate, capacity=overall_burst, now=clock())
        self._paid = TokenBucket(rate=paid_rate, capacity=paid_rate, now=clock())
        self._chats: dict[int, TokenBucket] = {}
        self.rejections: Counter[int | None] = Counter()
        self.paid_messages = 0  # sends with allow_paid_broadcast: 0.1 Star each

    def check(self, method: str, chat_id: int | None, *, paid: bool = False) -> None:
        """Refuse with 429 a send over a limit. `paid` (allow_paid_broadcast): the overall
        limit is 1000/s instead of ~30/s, counted apart; the per-chat limit is the same."""
        if method.lower() not in MESSAGE_METHODS:
            return
        now = self._clock()
        buckets = [self._paid if paid else self._overall]
        if chat_id is not None:
            rate, burst = self._per_chat
            bucket = self._chats.setdefault(
                chat_id, TokenBucket(rate=rate, capacity=burst, now=now)
            )
            buckets.append(bucket)
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            self.rejections[chat_id] += 1
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.consume()
        if paid:
            self.paid_messages += 1
