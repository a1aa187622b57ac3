"""`POST /callbacks/kie`: always a quick 200, whatever arrives.

KIE retries a callback that does not get a 2xx, so an error here would only bring the same
request back. The body is read up to a limit (a larger one is cut, not refused) and handed to
the callback intake, which treats it as a wake-up; the reconciler does the real work.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import structlog
from aiohttp import web

log = structlog.get_logger(__name__)

MAX_CALLBACK_BYTES = 1024 * 1024
INTAKE_TIMEOUT = 5.0
ACK = {"code": 200, "msg": "success"}


class CallbackSink(Protocol):
    async def accept(
        self, body: bytes, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> object: ...


@dataclass
class CallbackSlot:
    """Filled once the services are up; until then callbacks are acknowledged and left to the
    reconciler's scheduled checks."""

    sink: CallbackSink | None = None


CALLBACK_SLOT = web.AppKey("callback_slot", CallbackSlot)


async def kie_callback(request: web.Request) -> web.Response:
    body = await request.content.read(MAX_CALLBACK_BYTES + 1)
    sink = request.app[CALLBACK_SLOT].sink
    if sink is not None:
        try:
            await asyncio.wait_for(
                sink.accept(body, dict(request.query), dict(request.headers)),
                timeout=INTAKE_TIMEOUT,
            )
        except Exception:  # edge: KIE must get its 200 whatever went wrong here
            log.exception("callback.intake_failed", size=len(body))
    return web.json_response(ACK)
