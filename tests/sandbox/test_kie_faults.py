"""Injected transport faults: 429 and 5xx for the next N requests, hangs, then recovery."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.sandbox.test_kie_support import CREATE, RECORD, KieClient, fast_simulator
from trt.sandbox.kie import Fault, KieSimulator

PAYLOAD = {"model": "z-image", "input": {"prompt": "a kite"}}


@pytest.fixture
async def sim() -> AsyncIterator[KieSimulator]:
    async with fast_simulator() as simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def client(sim: KieSimulator, session: aiohttp.ClientSession) -> KieClient:
    return KieClient(session, sim.base_url)


async def post_raw(client: KieClient, path: str) -> tuple[int, str, str]:
    url = client.base_url + path
    async with client.session.post(url, json=PAYLOAD, headers=client.headers) as answer:
        return answer.status, answer.content_type, await answer.text()


async def get_status(client: KieClient, path: str) -> int:
    async with client.session.get(client.base_url + path, headers=client.headers) as answer:
        return answer.status


async def test_rate_limit_for_two_requests_then_recovery(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.inject_fault(Fault(path=CREATE, status=429, count=2))

    first = await client.post(CREATE, PAYLOAD)
    second = await client.post(CREATE, PAYLOAD)
    third = await client.post(CREATE, PAYLOAD)

    assert first == second == (429, {"code": 429, "msg": "Rate limit exceeded", "data": None})
    assert (third[0], third[1]["code"]) == (200, 200)
    stats = sim.stats()
    assert (stats.faults_served, stats.creates) == (2, {"market": 1})
    assert sim.faults() == []


async def test_500_answers_with_the_json_envelope(sim: KieSimulator, client: KieClient) -> None:
    sim.inject_fault(Fault(path=CREATE, status=500))

    status, body = await client.post(CREATE, PAYLOAD)

    assert (status, body["code"]) == (500, 500)
    assert (await client.post(CREATE, PAYLOAD))[0] == 200


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_answer_with_an_html_page(
    sim: KieSimulator, client: KieClient, status: int
) -> None:
    sim.inject_fault(Fault(path=CREATE, status=status))

    answer = await post_raw(client, CREATE)

    assert answer[:2] == (status, "text/html")
    assert str(status) in answer[2]


async def test_wildcard_fault_hits_any_api_path_but_not_controls(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.inject_fault(Fault(path="*", status=503, count=1))

    async with client.session.get(sim.base_url + "/_sim/stats") as control:
        assert control.status == 200
    assert await get_status(client, RECORD + "?taskId=x") == 503
    assert (await client.get(RECORD, taskId="x"))[0] == 200


async def test_faults_on_one_path_leave_others_alone(sim: KieSimulator, client: KieClient) -> None:
    sim.inject_fault(Fault(path=RECORD, status=502, count=5))

    status, body = await client.post(CREATE, PAYLOAD)

    assert (status, body["code"]) == (200, 200)
    assert [f.count for f in sim.faults()] == [5]


async def test_body_only_fault_uses_http_200_and_the_body_code(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.inject_fault(Fault(path=CREATE, status=455, body_only=True))

    status, body = await client.post(CREATE, PAYLOAD)

    assert (status, body["code"], body["data"]) == (200, 455, None)


async def test_hanging_request_times_out_on_the_client_then_recovers(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.inject_fault(Fault(path=CREATE, hang=True, hang_seconds=30))
    url = sim.base_url + CREATE
    short = aiohttp.ClientTimeout(total=0.2)

    with pytest.raises(TimeoutError):
        async with client.session.post(url, json=PAYLOAD, headers=client.headers, timeout=short):
            pass
    status, body = await client.post(CREATE, PAYLOAD)

    assert (status, body["code"]) == (200, 200)
    assert sim.stats().faults_served == 1


async def test_clear_faults_disarms_everything(sim: KieSimulator, client: KieClient) -> None:
    sim.inject_fault(Fault(status=429, count=100))
    sim.clear_faults()

    assert (await client.post(CREATE, PAYLOAD))[0] == 200
