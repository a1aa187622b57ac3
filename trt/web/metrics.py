"""`GET /metrics` in the Prometheus text format, and timing of every routed HTTP request."""

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest

REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def timed(route: str, handler: Handler, seconds: Histogram) -> Handler:
    """`handler`, its requests observed in `seconds` by route and status.

    A wrapper per route rather than a middleware: once an aiohttp app has a middleware, every
    request runs through two more coroutines, which cost the callback intake about a tenth of
    its CPU per request (bench/README.md). Requests no route matches (404, 405) go untimed.
    """
    by_status: dict[int, Histogram] = {}

    async def timed_handler(request: web.Request) -> web.StreamResponse:
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
            observed = by_status.get(status)
            if observed is None:
                observed = by_status[status] = seconds.labels(route, str(status))
            observed.observe(time.perf_counter() - started)

    return timed_handler
