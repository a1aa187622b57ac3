"""Fixtures: the KIE stub served on 127.0.0.1 and clients pointed at it with fake time."""

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.kie.stub import API_KEY, UPLOAD_PREFIX, FakeTime, KieStub
from trt.kie import KieClient, RetryPolicy


@pytest.fixture
async def kie() -> AsyncIterator[KieStub]:
    stub = KieStub()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", stub.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    stub.url = str(server.make_url("")).rstrip("/")
    yield stub
    await server.close()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(kie: KieStub, fake_time: FakeTime) -> "ClientFactory":
    return ClientFactory(kie, fake_time)


@dataclass
class ClientFactory:
    kie: KieStub
    time: FakeTime

    def __call__(
        self, *, retry: RetryPolicy | None = None, request_timeout: float = 5.0
    ) -> KieClient:
        return KieClient(
            api_base=self.kie.url,
            upload_base=self.kie.url + UPLOAD_PREFIX + "/",
            api_key=API_KEY,
            request_timeout=request_timeout,
            retry=retry or RetryPolicy(),
            sleep=self.time.sleep,
            clock=self.time.clock,
            rng=random.Random(7),
        )


@pytest.fixture
async def client(make_client: ClientFactory) -> AsyncIterator[KieClient]:
    async with make_client() as kie_client:
        yield kie_client
