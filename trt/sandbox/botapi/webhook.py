"""Webhook delivery: queued updates are POSTed, one at a time and in order, to the bot's URL.

Each request carries ``X-Telegram-Bot-Api-Secret-Token`` when a secret is set. A non-2xx reply
or a connection error is retried a few times, then the update is dropped, as Telegram gives up
"after a reasonable amount of attempts". Every attempt is kept in :attr:`deliveries`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from trt.sandbox.botapi.updates import UpdateQueue, is_allowed

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    ip_address: str | None = None


@dataclass(frozen=True)
class WebhookDelivery:
    update_id: int
    attempt: int
    status: int | None
    error: str | None
    at: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookPusher:
    """Owns the one delivery task; :meth:`configure` restarts it for a new URL."""

    def __init__(
        self,
        queue: UpdateQueue,
        *,
        attempts: int = 3,
        retry_delay: float = 0.2,
        request_timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._queue = queue
        self._attempts = attempts
        self._retry_delay = retry_delay
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.config: WebhookConfig | None = None
        self.deliveries: list[WebhookDelivery] = []
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None

    @property
    def last_status(self) -> int | None:
        return self.deliveries[-1].status if self.deliveries else None

    async def configure(self, config: WebhookConfig | None) -> None:
        await self._stop_task()
        self.config = config
        await self._queue.set_webhook_active(config is not None)
        if config is not None:
            self.last_error_date = self.last_error_message = None
            self._task = asyncio.create_task(self._run(config), name="botapi-webhook")

    async def close(self) -> None:
        await self._stop_task()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _stop_task(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, config: WebhookConfig) -> None:
        queue = self._queue
        while True:
            async with queue.condition:
                await queue.condition.wait_for(lambda: bool(queue.pending))
                update = queue.pending[0]
            if is_allowed(update, config.allowed_updates):
                await self._deliver(config, update)
            async with queue.condition:
                if queue.pending and queue.pending[0] is update:
                    queue.pending.pop(0)

    async def _deliver(self, config: WebhookConfig, update: dict[str, Any]) -> bool:
        body = json.dumps(update, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers[SECRET_HEADER] = config.secret_token
        for attempt in range(1, self._attempts + 1):
            status, error = await self._post(config.url, body, headers)
            self.deliveries.append(
                WebhookDelivery(update["update_id"], attempt, status, error, self._clock())
            )
            if status is not None and 200 <= status < 300:
                return True
            self.last_error_date = int(self._clock())
            self.last_error_message = error
            if attempt < self._attempts:
                await asyncio.sleep(self._retry_delay * attempt)
        log.warning("botapi.webhook_gave_up update_id=%s url=%s", update["update_id"], config.url)
        return False

    async def _post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str | None]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False)
        try:
            async with self._session.post(url, data=body, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return response.status, None
                reason = f"{response.status} {response.reason or ''}".strip()
                return response.status, f"Wrong response from the webhook: {reason}"
        except (aiohttp.ClientError, TimeoutError) as error:
            return None, f"Connection failed: {error.__class__.__name__}"

    def info(self) -> dict[str, Any]:
        config = self.config
        info: dict[str, Any] = {
            "url": config.url if config else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue.pending),
        }
        if config is not None:
            info["max_connections"] = config.max_connections
            if config.allowed_updates:
                info["allowed_updates"] = config.allowed_updates
            if config.ip_address:
                info["ip_address"] = config.ip_address
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info
