"""Transport faults injected in front of every path except the `/_sim/` controls.

429 and 500 answer with KIE's JSON envelope; 502, 503 and 504 answer with an HTML page, as a
proxy in front of KIE would. A hanging request is held until its `hang_seconds` pass or the
simulator stops, then answered 504, so a client with a shorter timeout sees a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from http import HTTPStatus

from aiohttp import web
from aiohttp.typedefs import Handler

from trt.sandbox.kie.scenario import Fault
from trt.sandbox.kie.stats import Counters

CONTROL_PREFIX = "/_sim/"
_PROXY_STATUSES = frozenset({502, 503, 504})
_MESSAGES = {429: "Rate limit exceeded", 455: "Service unavailable - maintenance"}


@dataclass(slots=True)
class _Armed:
    fault: Fault
    remaining: int


def fault_response(fault: Fault) -> web.Response:
    reason = _MESSAGES.get(fault.status) or _reason(fault.status)
    if fault.body_only:
        return web.json_response({"code": fault.status, "msg": reason, "data": None})
    if fault.status in _PROXY_STATUSES:
        page = f"<html><body><h1>{fault.status} {reason}</h1></body></html>"
        return web.Response(text=page, status=fault.status, content_type="text/html")
    body = {"code": fault.status, "msg": reason, "data": None}
    return web.json_response(body, status=fault.status)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class FaultInjector:
    def __init__(self, *, counters: Counters) -> None:
        self._counters = counters
        self._armed: list[_Armed] = []
        self._closing = asyncio.Event()

    def add(self, fault: Fault) -> None:
        self._armed.append(_Armed(fault=fault, remaining=fault.count))

    def clear(self) -> None:
        self._armed.clear()

    def pending(self) -> list[Fault]:
        return [armed.fault.model_copy(update={"count": armed.remaining}) for armed in self._armed]

    def open(self) -> None:
        self._closing.clear()

    def release_hangs(self) -> None:
        self._closing.set()

    def take(self, path: str) -> Fault | None:
        for armed in self._armed:
            if armed.fault.path in ("*", path):
                armed.remaining -= 1
                if armed.remaining == 0:
                    self._armed.remove(armed)
                return armed.fault
        return None

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        fault = self.take(request.path)
        if fault is None:
            return await handler(request)
        self._counters.faults_served += 1
        if fault.hang:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.hang_seconds)
            return fault_response(fault.model_copy(update={"status": 504}))
        return fault_response(fault)
