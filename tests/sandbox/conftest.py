"""Fixtures shared by the KIE simulator tests: a fast simulator signing its callbacks, a plain
HTTP client for it, and a receiver for callbacks. A test module may override any of them."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.sandbox.test_kie_support import HMAC_KEY, KieClient, Receiver, fast_simulator
from trt.sandbox.kie import KieSimulator


@pytest.fixture
async def sim() -> AsyncIterator[KieSimulator]:
    async with fast_simulator(hmac_key=HMAC_KEY) as simulator:
        yield simulator


@pytest.fixture
async def client(sim: KieSimulator) -> AsyncIterator[KieClient]:
    async with aiohttp.ClientSession() as session:
        yield KieClient(session, sim.base_url)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as server:
        yield server
