"""Faults armed in front of the API paths (`/v3/`), for the client's retry and idempotence tests.

A fault answers the next `count` API requests with `status` (a YooKassa error body); with
`after_processing` the request is handled first and its answer thrown away, as when YooKassa
made the payment but the answer was lost ("the result is unknown" after a 500). `delay` holds
the request that long first, so a client with a shorter timeout sees a timeout.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler

from trt.sandbox.yookassa.errors import error_response

API_PREFIX = "/v3/"


@dataclass(frozen=True, slots=True)
class Fault:
    status: int = 500
    count: int = 1
    after_processing: bool = False
    delay: float = 0.0


@dataclass(slots=True)
class _Armed:
    fault: Fault
    remaining: int


class FaultInjector:
    def __init__(self) -> None:
        self._armed: list[_Armed] = []

    def add(self, fault: Fault) -> None:
        self._armed.append(_Armed(fault, fault.count))

    def clear(self) -> None:
        self._armed.clear()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        fault = self._take()
        if fault is None:
            return await handler(request)
        if fault.delay > 0:
            await asyncio.sleep(fault.delay)
        if fault.after_processing:
            await handler(request)
        return error_response(fault.status, "Simulated failure")

    def _take(self) -> Fault | None:
        for armed in self._armed:
            if armed.remaining > 0:
                armed.remaining -= 1
                return armed.fault
        return None
