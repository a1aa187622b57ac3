"""Shared pieces for the KIE simulator tests: a plain HTTP client, a callback receiver, waits.

Everything talks over 127.0.0.1 and every wait is bounded in time.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from trt.sandbox.kie import Behaviour, DeliveryPolicy, KieSimulator, Scenario

API_KEY = "sim-key"
HMAC_KEY = "test-hmac-key"
CREATE = "/api/v1/jobs/createTask"
RECORD = "/api/v1/jobs/recordInfo"
VEO_CREATE = "/api/v1/veo/generate"
VEO_RECORD = "/api/v1/veo/record-info"
SUNO_CREATE = "/api/v1/generate"
SUNO_RECORD = "/api/v1/generate/record-info"
FAST_DELIVERY = DeliveryPolicy(timeout=2.0, retries=3, retry_delay=0.01)


def fast_simulator(*, behaviour: Behaviour | None = None, **options: Any) -> KieSimulator:
    scenario = Scenario(default=behaviour or Behaviour(latency=0.05))
    options.setdefault("delivery", FAST_DELIVERY)
    return KieSimulator(scenario=scenario, **options)


def expected_signature(key: str, task_id: str, timestamp: str) -> str:
    """Computed here from REFERENCE §3.2, independently of the simulator's code."""
    mac = hmac.new(key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


async def wait_until(condition: Callable[[], bool], *, within: float = 3.0) -> None:
    async with asyncio.timeout(within):
        while not condition():
            await asyncio.sleep(0.01)


class KieClient:
    """The test's own view of KIE: raw HTTP, no parsing beyond JSON."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, api_key: str = API_KEY):
        self.session = session
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {api_key}"}

    async def post(self, path: str, payload: Any) -> tuple[int, Any]:
        url = self.base_url + path
        async with self.session.post(url, json=payload, headers=self.headers) as answer:
            return answer.status, await answer.json(content_type=None)

    async def get(self, path: str, **params: str) -> tuple[int, Any]:
        url = self.base_url + path
        async with self.session.get(url, params=params, headers=self.headers) as answer:
            return answer.status, await answer.json(content_type=None)

    async def create(self, path: str, payload: dict[str, Any]) -> str:
        status, body = await self.post(path, payload)
        assert (status, body["code"]) == (200, 200), body
        return str(body["data"]["taskId"])

    async def create_market(
        self, model: str, inputs: dict[str, Any], callback_url: str | None = None
    ) -> str:
        payload: dict[str, Any] = {"model": model, "input": inputs}
        if callback_url is not None:
            payload["callBackUrl"] = callback_url
        return await self.create(CREATE, payload)

    async def record(self, path: str, task_id: str) -> dict[str, Any]:
        status, body = await self.get(path, taskId=task_id)
        assert (status, body["code"], body["msg"]) == (200, 200, "success"), body
        return dict(body["data"])

    async def poll(
        self,
        path: str,
        task_id: str,
        done: Callable[[dict[str, Any]], bool],
        *,
        within: float = 3.0,
    ) -> list[dict[str, Any]]:
        """Every record read until `done` holds; the last one satisfies it."""
        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(within):
            while not seen or not done(seen[-1]):
                if seen:
                    await asyncio.sleep(0.01)
                seen.append(await self.record(path, task_id))
        return seen

    async def download(self, url: str) -> tuple[int, str, bytes]:
        async with self.session.get(url) as answer:
            return answer.status, answer.content_type, await answer.read()


def distinct(values: Iterable[Any]) -> list[Any]:
    """Values in order with consecutive repeats removed."""
    result: list[Any] = []
    for value in values:
        if not result or result[-1] != value:
            result.append(value)
    return result


@dataclass(frozen=True)
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    at: float


class Receiver:
    """A callback endpoint on 127.0.0.1 that records every request it gets.

    It answers the given statuses in order, then 200; `delay` makes every answer slow.
    """

    def __init__(self, statuses: Iterable[int] = (), *, delay: float = 0.0) -> None:
        self.received: list[Received] = []
        self._statuses = list(statuses)
        self._delay = delay
        self._runner: web.AppRunner | None = None
        self._base = ""

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def url(self, path: str = "/callbacks/kie") -> str:
        return self._base + path

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        loop = asyncio.get_running_loop()
        self.received.append(
            Received(
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=body,
                at=loop.time(),
            )
        )
        if self._delay:
            await asyncio.sleep(self._delay)
        status = self._statuses.pop(0) if self._statuses else 200
        return web.json_response({"code": 200, "msg": "success"}, status=status)

    async def wait_for(self, count: int, *, within: float = 3.0) -> list[Received]:
        await wait_until(lambda: len(self.received) >= count, within=within)
        return list(self.received)

    def bodies(self) -> list[Any]:
        return [item.body for item in self.received]
