"""`POST /telegram/webhook`: Telegram's updates in webhook mode.

The secret header must match (401 otherwise, and nothing is processed). A valid update is
handed to the bot side to be handled in the background and acknowledged at once; a duplicate
delivery is filtered out there, by update id, across all instances.
"""

import hmac
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from aiohttp import web

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class UpdateSink(Protocol):
    async def accept(self, update: dict[str, Any]) -> None: ...


@dataclass
class WebhookSlot:
    secret: str | None = None
    sink: UpdateSink | None = None  # filled once the bot side is up


WEBHOOK_SLOT = web.AppKey("webhook_slot", WebhookSlot)


async def telegram_webhook(request: web.Request) -> web.Response:
    slot = request.app[WEBHOOK_SLOT]
    given = request.headers.get(SECRET_HEADER, "")
    if not slot.secret or not hmac.compare_digest(given.encode(), slot.secret.encode()):
        log.warning("webhook.unauthorized")
        return web.Response(status=401, text="Unauthorized")
    if slot.sink is None:
        return web.Response(status=503, text="starting")  # Telegram will deliver it again
    try:
        update = await request.json()
    except ValueError:
        log.warning("webhook.bad_json")
        return web.json_response({})
    if isinstance(update, dict):
        await slot.sink.accept(update)
    return web.json_response({})
