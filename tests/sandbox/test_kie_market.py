"""Market jobs family: createTask, recordInfo and callbacks in REFERENCE §2 and §3.4 shapes."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import aiohttp
import pytest

from tests.sandbox.test_kie_support import (
    CREATE,
    HMAC_KEY,
    RECORD,
    KieClient,
    Receiver,
    distinct,
    expected_signature,
)
from trt.sandbox.kie import Behaviour, KieSimulator, Outcome, Scenario

RECORD_KEYS = {
    "taskId",
    "model",
    "state",
    "param",
    "resultJson",
    "failCode",
    "failMsg",
    "costTime",
    "completeTime",
    "createTime",
    "updateTime",
}
CALLBACK_KEYS = RECORD_KEYS | {"creditsConsumed"}
INPUTS = {"prompt": "a red fox", "aspect_ratio": "1:1"}


def is_terminal(data: dict[str, Any]) -> bool:
    return data["state"] in ("success", "fail")


async def test_create_answers_the_documented_envelope(client: KieClient) -> None:
    status, body = await client.post(CREATE, {"model": "z-image", "input": INPUTS})

    assert (status, body["code"], body["msg"]) == (200, 200, "success")
    assert list(body["data"]) == ["taskId"]
    assert re.fullmatch(r"[0-9a-f]{32}", body["data"]["taskId"])


async def test_record_walks_waiting_queuing_generating_success(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.set_behaviour(Behaviour(latency=0.6))
    task_id = await client.create_market("z-image", INPUTS)

    seen = await client.poll(RECORD, task_id, is_terminal)

    assert distinct(data["state"] for data in seen) == [
        "waiting",
        "queuing",
        "generating",
        "success",
    ]
    assert all(data["resultJson"] == "" for data in seen[:-1])


async def test_success_record_matches_the_reference_field_by_field(client: KieClient) -> None:
    task_id = await client.create_market("z-image", INPUTS)

    data = (await client.poll(RECORD, task_id, is_terminal))[-1]

    assert set(data) == RECORD_KEYS
    assert (data["taskId"], data["model"], data["state"]) == (task_id, "z-image", "success")
    assert json.loads(data["param"]) == {"model": "z-image", "input": INPUTS}
    assert isinstance(data["resultJson"], str)
    urls = json.loads(data["resultJson"])["resultUrls"]
    assert len(urls) == 1
    assert urls[0].startswith(f"{client.base_url}/files/{task_id}/")
    assert urls[0].endswith(".png")
    assert (data["failCode"], data["failMsg"]) == ("", "")
    assert data["createTime"] <= data["updateTime"] == data["completeTime"]
    assert data["createTime"] > 1_600_000_000_000  # Unix milliseconds
    assert data["costTime"] == data["completeTime"] - data["createTime"]


async def test_success_callback_has_the_market_shape_and_a_valid_signature(
    client: KieClient, receiver: Receiver
) -> None:
    callback_url = receiver.url() + "?job=7&sig=abc"
    task_id = await client.create_market("z-image", INPUTS, callback_url)

    [delivery] = await receiver.wait_for(1)
    record = (await client.poll(RECORD, task_id, is_terminal))[-1]

    assert delivery.query == {"job": "7", "sig": "abc"}
    assert delivery.headers["Content-Type"].startswith("application/json")
    body = delivery.body
    assert (body["code"], body["msg"]) == (200, "Playground task completed successfully.")
    data = body["data"]
    assert set(data) == CALLBACK_KEYS
    assert (data["taskId"], data["model"], data["state"]) == (task_id, "z-image", "success")
    param = json.loads(data["param"])
    assert param["model"] == "z-image"
    assert param["callBackUrl"] == callback_url
    assert json.loads(param["input"]) == INPUTS  # the callback docs encode input as a string
    assert json.loads(data["resultJson"]) == json.loads(record["resultJson"])
    assert (data["failCode"], data["failMsg"]) == ("", "")
    assert data["creditsConsumed"] == 1.0
    assert data["completeTime"] == record["completeTime"]
    timestamp = delivery.headers["X-Webhook-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60  # Unix seconds
    assert delivery.headers["X-Webhook-Signature"] == expected_signature(
        HMAC_KEY, task_id, timestamp
    )


async def test_failed_task_reports_fail_with_codes_and_a_501_callback(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, outcome=Outcome.FAIL))
    task_id = await client.create_market("z-image", INPUTS, receiver.url())

    record = (await client.poll(RECORD, task_id, is_terminal))[-1]
    [delivery] = await receiver.wait_for(1)

    assert record["state"] == "fail"
    assert (record["resultJson"], record["failCode"], record["failMsg"]) == (
        "",
        "500",
        "Internal server error",
    )
    assert (delivery.body["code"], delivery.body["msg"]) == (501, "Playground task failed.")
    data = delivery.body["data"]
    assert (data["state"], data["failCode"], data["resultJson"]) == ("fail", "500", None)
    assert data["creditsConsumed"] == 0


async def test_content_policy_failure_names_prohibited_content(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, outcome=Outcome.CONTENT_POLICY))
    task_id = await client.create_market("z-image", INPUTS, receiver.url())

    record = (await client.poll(RECORD, task_id, is_terminal))[-1]
    [delivery] = await receiver.wait_for(1)

    assert (record["state"], record["failCode"]) == ("fail", "422")
    assert record["failMsg"] == "Invalid prompt: prompt contains prohibited content"
    assert delivery.body["code"] == 501
    assert delivery.body["data"]["failCode"] == "422"


async def test_never_finishing_task_stays_generating_until_completed(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, outcome=Outcome.NEVER))
    task_id = await client.create_market("z-image", INPUTS)

    await asyncio.sleep(0.3)
    assert (await client.record(RECORD, task_id))["state"] == "generating"

    sim.complete_task(task_id, outcome=Outcome.SUCCESS)
    assert (await client.record(RECORD, task_id))["state"] == "success"


async def test_failure_rate_is_reproducible_with_the_same_seed(
    sim: KieSimulator, client: KieClient
) -> None:
    scenario = Scenario(default=Behaviour(latency=0.0, failure_rate=0.5), seed=11)

    async def outcomes() -> list[str]:
        sim.set_scenario(scenario)  # re-seeds the generator
        ids = [await client.create_market("z-image", INPUTS) for _ in range(16)]
        return [(await client.poll(RECORD, i, is_terminal))[-1]["state"] for i in ids]

    first, second = await outcomes(), await outcomes()

    assert first == second
    assert {"success", "fail"} == set(first)


async def test_unknown_task_answers_422_record_info_is_null(client: KieClient) -> None:
    status, body = await client.get(RECORD, taskId="no-such-task")

    assert (status, body) == (200, {"code": 422, "msg": "recordInfo is null", "data": None})


async def test_missing_task_id_answers_400(client: KieClient) -> None:
    status, body = await client.get(RECORD)

    assert (status, body["code"], body["msg"]) == (200, 400, "taskId parameter is required")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "x"}])
async def test_bad_auth_answers_401_body_with_http_200(
    sim: KieSimulator, headers: dict[str, str]
) -> None:
    async with aiohttp.ClientSession() as session:
        url = sim.base_url + CREATE
        async with session.post(url, json={"model": "z-image", "input": {}}, headers=headers) as r:
            status, body = r.status, await r.json()

    assert (status, body) == (200, {"code": 401, "msg": "You do not have access permissions"})
    assert sim.stats().auth_failures == 1
    assert sim.stats().tasks == ()


async def test_http_errors_mode_sends_real_4xx_statuses(sim: KieSimulator) -> None:
    sim.set_scenario(Scenario(default=Behaviour(latency=0.05), http_errors=True))
    async with aiohttp.ClientSession() as session:
        wrong = KieClient(session, sim.base_url, api_key="wrong")
        right = KieClient(session, sim.base_url)

        assert (await wrong.get(RECORD, taskId="x"))[0] == 401
        status, body = await right.get(RECORD, taskId="x")

    assert (status, body["code"]) == (422, 422)


async def test_registered_models_reject_unknown_ids_with_422(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.register_models(["z-image"])

    status, body = await client.post(CREATE, {"model": "z-imag", "input": INPUTS})
    accepted = await client.create_market("z-image", INPUTS)

    assert (status, body) == (
        200,
        {"code": 422, "msg": "The page does not exist or is not published", "data": None},
    )
    assert accepted
    assert sim.stats().rejected_creates == 1


async def test_any_model_is_accepted_without_registration(client: KieClient) -> None:
    assert await client.create_market("vendor/brand-new-model", INPUTS)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"input": INPUTS}, 400),
        ({"model": "z-image"}, 400),
        ({"model": "z-image", "input": "prompt=cat"}, 422),
        ({"model": 5, "input": INPUTS}, 422),
        ({"model": "z-image", "input": INPUTS, "callBackUrl": 3}, 422),
        (["not", "an", "object"], 400),
    ],
)
async def test_malformed_create_is_rejected(client: KieClient, payload: Any, code: int) -> None:
    status, body = await client.post(CREATE, payload)

    assert (status, body["code"], body["data"]) == (200, code, None)


async def test_credit_balance_is_charged_per_success(sim: KieSimulator, client: KieClient) -> None:
    sim.set_behaviour(Behaviour(latency=0.0, cost=2.5))
    task_id = await client.create_market("z-image", INPUTS)
    await client.poll(RECORD, task_id, is_terminal)

    status, body = await client.get("/api/v1/chat/credit")

    assert (status, body) == (200, {"code": 200, "msg": "success", "data": 9997.5})
    assert sim.stats().credit_queries == 1


async def test_insufficient_credits_answer_402(sim: KieSimulator, client: KieClient) -> None:
    sim.set_credits(0.5)

    status, body = await client.post(CREATE, {"model": "z-image", "input": INPUTS})

    assert (status, body["code"]) == (200, 402)
    assert (await client.get("/api/v1/chat/credit"))[1]["data"] == 0.5
