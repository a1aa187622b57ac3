"""Every routed HTTP request is observed by route and status; the timing is per route, not a
middleware (see trt/web/metrics.py)."""

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from trt.services.metrics import Metrics
from trt.web.health import Readiness
from trt.web.kie_callbacks import CallbackSlot
from trt.web.server import WEBHOOK_PATH, build_web_app
from trt.web.telegram_webhook import WebhookSlot


class Up:
    role = "active"
    version = "test"

    async def readiness(self) -> Readiness:
        return Readiness(ready=True, checks={"database": "ok"})


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    metrics = Metrics()
    app = build_web_app(
        health_source=Up(),
        callbacks=CallbackSlot(),
        webhook=WebhookSlot(secret="s3cret"),
        registry=metrics.registry,
        http_seconds=metrics.http_seconds,
    )
    async with TestServer(app, host="127.0.0.1") as running:
        yield running


async def counts(http: aiohttp.ClientSession, server: TestServer) -> dict[tuple[str, str], float]:
    async with http.get(server.make_url("/metrics")) as answer:
        text = await answer.text()
    return {
        (sample.labels["route"], sample.labels["status"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "trt_http_request_seconds_count"
    }


async def test_requests_are_counted_by_route_and_status(server: TestServer) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(3):
            async with http.post(server.make_url("/callbacks/kie"), data=b"{}") as answer:
                assert answer.status == 200
        async with http.post(server.make_url(WEBHOOK_PATH), json={"update_id": 1}) as answer:
            assert answer.status == 401
        async with http.head(server.make_url("/health")) as answer:
            assert answer.status == 200
        async with http.get(server.make_url("/no-such-page")) as answer:
            assert answer.status == 404
        async with http.get(server.make_url("/callbacks/kie")) as answer:
            assert answer.status == 405

        seen = await counts(http, server)

    assert seen[("/callbacks/kie", "200")] == 3
    assert seen[(WEBHOOK_PATH, "401")] == 1
    assert seen[("/health", "200")] == 1  # the HEAD
    assert not any(status in ("404", "405") for _, status in seen)  # unrouted: not timed
