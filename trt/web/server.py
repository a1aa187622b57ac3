"""The aiohttp application: health and readiness first; other routes are added as parts start.

This module and its imports stay light (no aiogram, no SQLAlchemy): the process opens its port
with this app before anything slow is imported.
"""

from aiohttp import web
from prometheus_client import CollectorRegistry, Histogram

from trt.web.health import HEALTH, HealthSource, health, ready
from trt.web.kie_callbacks import CALLBACK_SLOT, CallbackSlot, kie_callback
from trt.web.metrics import REGISTRY, Handler, metrics, timed
from trt.web.telegram_webhook import WEBHOOK_SLOT, WebhookSlot, telegram_webhook
from trt.web.yookassa_notifications import (
    YOOKASSA_PATH,
    YOOKASSA_SLOT,
    YooKassaSlot,
    yookassa_notification,
)

WEBHOOK_PATH = "/telegram/webhook"

MAX_BODY_BYTES = 1024 * 1024  # callbacks and webhooks are small; refuse anything larger


def build_web_app(
    *,
    health_source: HealthSource,
    callbacks: CallbackSlot,
    webhook: WebhookSlot,
    registry: CollectorRegistry,
    http_seconds: Histogram,
    yookassa: YooKassaSlot | None = None,
) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[REGISTRY] = registry
    app[HEALTH] = health_source
    app[CALLBACK_SLOT] = callbacks
    app[WEBHOOK_SLOT] = webhook
    app[YOOKASSA_SLOT] = yookassa or YooKassaSlot()
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/health", health),
        ("GET", "/ready", ready),
        ("GET", "/metrics", metrics),
        ("POST", "/callbacks/kie", kie_callback),
        ("POST", WEBHOOK_PATH, telegram_webhook),
        ("POST", YOOKASSA_PATH, yookassa_notification),
    ]
    for method, path, handler in routes:
        if method == "GET":
            app.router.add_get(path, timed(path, handler, http_seconds))  # HEAD as well
        else:
            app.router.add_route(method, path, timed(path, handler, http_seconds))
    return app
