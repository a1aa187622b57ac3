"""`POST /callbacks/kie`: always a quick 200, whatever arrives.

KIE retries a callback that does not get a 2xx, so an error here would only bring the same
request back. The body is read up to a limit (a larger one is cut, not refused) and handed to
the callback intake, which checks it and queues a wake-up without touching the database; the
reply goes out right after. The reconciler does the real work.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import structlog
from aiohttp import web

log = structlog.get_logger(__name__)

MAX_CALLBACK_BYTES = 1024 * 1024
ACK_BODY = b'{"code": 200, "msg": "success"}'


class CallbackSink(Protocol):
    def accept(self, body: bytes, query: Mapping[str, str], headers: Mapping[str, str]) -> object:
        """Check and queue one callback; no I/O, so the answer never waits for the database."""
        ...


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
            sink.accept(body, request.query, request.headers)
        except Exception:  # edge: KIE must get its 200 whatever went wrong here
            log.exception("callback.intake_failed", size=len(body))
    return web.Response(body=ACK_BODY, content_type="application/json")
