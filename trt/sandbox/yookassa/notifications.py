"""Notifications as YooKassa sends them: `POST` of `{"type": "notification", "event":
"payment.succeeded" | "payment.canceled", "object": <payment>}` to the shop's URL.

A non-2xx answer or a connection error is retried a few times (YooKassa keeps trying for a
day). Tests can lose the next notifications (`drop_next`) or send the next one several times
at once (`duplicate_next`). One asyncio task exists per delivery in flight; all are cancelled
on stop.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotificationPolicy:
    timeout: float = 10.0
    attempts: int = 4
    retry_delay: float = 0.3  # doubled after each failed attempt


@dataclass(frozen=True, slots=True)
class NotificationAttempt:
    payment_id: str
    event: str
    status: int | None  # the shop's HTTP status; None when the request failed
    dropped: bool = False


class NotificationSender:
    def __init__(self, *, policy: NotificationPolicy) -> None:
        self._policy = policy
        self.url: str | None = None
        self.attempts: list[NotificationAttempt] = []
        self._drop = 0
        self._copies = 1
        self._session: aiohttp.ClientSession | None = None
        self._deliveries: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self._policy.timeout)
        )

    async def stop(self) -> None:
        running = list(self._deliveries)
        for delivery in running:
            delivery.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def drop_next(self, count: int = 1) -> None:
        self._drop += count

    def duplicate_next(self, copies: int) -> None:
        self._copies = max(1, copies)

    def send(self, event: str, payment: dict[str, Any]) -> None:
        """Queue the notification (or lose it, when told to); returns at once."""
        body = {"type": "notification", "event": event, "object": payment}
        if self._drop > 0 or self.url is None:
            self._drop = max(0, self._drop - 1)
            self.attempts.append(NotificationAttempt(payment["id"], event, None, dropped=True))
            return
        copies, self._copies = self._copies, 1
        for _ in range(copies):
            task = asyncio.create_task(self._deliver(self.url, body))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)

    async def wait_idle(self, timeout: float) -> bool:  # noqa: ASYNC109 - bounded test helper
        """Wait until no delivery is in flight; False when `timeout` passed first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._deliveries:
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def _deliver(self, url: str, body: dict[str, Any]) -> None:
        payment_id, event = body["object"]["id"], body["event"]
        delay = self._policy.retry_delay
        for attempt in range(1, self._policy.attempts + 1):
            status = await self._post(url, body)
            self.attempts.append(NotificationAttempt(payment_id, event, status))
            if status is not None and 200 <= status < 300:
                return
            if attempt < self._policy.attempts:
                await asyncio.sleep(delay)
                delay *= 2
        log.warning("yookassa_sim.notification_gave_up payment=%s", payment_id)

    async def _post(self, url: str, body: dict[str, Any]) -> int | None:
        assert self._session is not None
        try:
            async with self._session.post(url, json=body) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return None
