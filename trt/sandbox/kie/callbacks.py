"""Callback delivery as KIE documents it (REFERENCE §3.1, §3.2).

POST JSON with a 15 s timeout; a non-2xx answer or a connection error is retried up to three
times. With an HMAC key, every attempt carries `X-Webhook-Timestamp` (Unix seconds) and
`X-Webhook-Signature` = base64(HMAC-SHA256(key, f"{taskId}.{timestamp}")).

One asyncio task exists per delivery in flight (not per running KIE task); the sender keeps
them in a set and cancels them on stop or reset. Deliveries for one KIE task are chained, so
its callbacks arrive in the order they were sent.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from trt.sandbox.kie.stats import CallbackAttempt, Counters
from trt.sandbox.kie.tasks import Callback, JsonObject

log = logging.getLogger(__name__)


def sign(key: str, task_id: str, timestamp: int) -> str:
    digest = hmac.new(key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    timeout: float = 15.0
    retries: int = 3
    # KIE does not document its retry interval.
    retry_delay: float = 1.0


class CallbackSender:
    def __init__(self, *, counters: Counters, hmac_key: str | None, policy: DeliveryPolicy) -> None:
        self._counters = counters
        self._hmac_key = hmac_key
        self._policy = policy
        self._session: aiohttp.ClientSession | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        # The newest delivery per KIE task: a new one waits for it, so stages stay in order.
        self._latest: dict[str, asyncio.Task[None]] = {}

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the callback sender is not started")
        return self._session

    @property
    def pending(self) -> int:
        return len(self._deliveries)

    async def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self._policy.timeout)
        self._session = aiohttp.ClientSession(timeout=timeout)

    async def stop(self) -> None:
        running = list(self._deliveries)
        self.cancel_all()
        await asyncio.gather(*running, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def cancel_all(self) -> None:
        for delivery in self._deliveries:
            delivery.cancel()

    def deliver(
        self, task_id: str, url: str, callbacks: Sequence[Callback], *, delay: float = 0.0
    ) -> None:
        """Send `callbacks` in order after `delay` s, behind any earlier ones for this task."""
        if self._session is None:
            raise RuntimeError("the callback sender is not started")
        earlier = self._latest.get(task_id)
        coroutine = self._run(task_id, url, tuple(callbacks), delay, earlier)
        delivery = asyncio.get_running_loop().create_task(coroutine, name=f"kie-sim-cb-{task_id}")
        self._deliveries.add(delivery)
        self._latest[task_id] = delivery
        delivery.add_done_callback(functools.partial(self._finished, task_id))

    def _finished(self, task_id: str, delivery: asyncio.Task[None]) -> None:
        self._deliveries.discard(delivery)
        if self._latest.get(task_id) is delivery:
            del self._latest[task_id]

    async def wait_idle(self, *, max_wait: float) -> bool:
        """Wait until no delivery is in flight; False if some still are after `max_wait` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while self._deliveries:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await asyncio.wait(set(self._deliveries), timeout=remaining)
        return True

    async def _run(
        self,
        task_id: str,
        url: str,
        callbacks: tuple[Callback, ...],
        delay: float,
        earlier: asyncio.Task[None] | None,
    ) -> None:
        if earlier is not None:
            await asyncio.wait({earlier})
        if delay > 0:
            await asyncio.sleep(delay)
        for callback in callbacks:
            await self._send(task_id, url, callback)

    async def _send(self, task_id: str, url: str, callback: Callback) -> None:
        attempts = self._policy.retries + 1
        for attempt in range(1, attempts + 1):
            status, error = await self._post(task_id, url, callback.body)
            record = CallbackAttempt(
                task_id=task_id,
                url=url,
                stage=callback.stage,
                attempt=attempt,
                status=status,
                error=error,
                at_ms=int(time.time() * 1000),
            )
            self._counters.attempts.append(record)
            if record.delivered:
                self._counters.callbacks_sent += 1
                return
            if attempt < attempts:
                await asyncio.sleep(self._policy.retry_delay)
        self._counters.callbacks_failed += 1
        log.warning("kie_sim.callback_gave_up task_id=%s stage=%s", task_id, callback.stage)

    async def _post(
        self, task_id: str, url: str, body: JsonObject
    ) -> tuple[int | None, str | None]:
        try:
            async with self.session.post(url, json=body, headers=self._headers(task_id)) as answer:
                await answer.read()
                return answer.status, None
        except (aiohttp.ClientError, TimeoutError) as exc:
            return None, type(exc).__name__

    def _headers(self, task_id: str) -> dict[str, str]:
        if self._hmac_key is None:
            return {}
        timestamp = int(time.time())
        return {
            "X-Webhook-Timestamp": str(timestamp),
            "X-Webhook-Signature": sign(self._hmac_key, task_id, timestamp),
        }
