"""The aiohttp application: health and readiness first; other routes are added as parts start.

This module and its imports stay light (no aiogram, no SQLAlchemy): the process opens its port
with this app before anything slow is imported.
"""

from aiohttp import web

from trt.web.health import HEALTH, HealthSource, health, ready
from trt.web.kie_callbacks import CALLBACK_SLOT, CallbackSlot, kie_callback

MAX_BODY_BYTES = 1024 * 1024  # callbacks and webhooks are small; refuse anything larger


def build_web_app(*, health_source: HealthSource, callbacks: CallbackSlot) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[HEALTH] = health_source
    app[CALLBACK_SLOT] = callbacks
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_post("/callbacks/kie", kie_callback)
    return app
