"""`GET /metrics` in the Prometheus text format, and timing of every HTTP request."""

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest

REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)
HTTP_SECONDS = web.AppKey("http_seconds", Histogram)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


@web.middleware
async def time_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        status = exc.status
        raise
    else:
        status = response.status
        return response
    finally:
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        request.app[HTTP_SECONDS].labels(name, str(status)).observe(time.perf_counter() - started)
