"""Veo 3.1 family: generate, record-info successFlag and callbacks (REFERENCE §3.4, §4)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.sandbox.test_kie_support import (
    HMAC_KEY,
    RECORD,
    VEO_CREATE,
    VEO_RECORD,
    KieClient,
    Receiver,
    distinct,
    expected_signature,
)
from trt.sandbox.kie import Behaviour, KieSimulator, Outcome

REQUEST = {"prompt": "a cat surfing", "model": "veo3_fast", "aspectRatio": "16:9"}


def is_terminal(data: dict[str, Any]) -> bool:
    return data["successFlag"] != 0


async def test_generate_then_record_goes_from_flag_0_to_1_with_video_urls(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.set_behaviour(Behaviour(latency=0.3))
    task_id = await client.create(VEO_CREATE, {**REQUEST, "resolution": "1080p"})

    seen = await client.poll(VEO_RECORD, task_id, is_terminal)

    assert distinct(data["successFlag"] for data in seen) == [0, 1]
    assert all(data["response"] is None for data in seen[:-1])
    final = seen[-1]
    assert final["taskId"] == task_id
    assert (final["errorCode"], final["errorMessage"]) == (None, None)
    response = final["response"]
    assert response["resolution"] == "1080p"
    assert len(response["resultUrls"]) == len(response["originUrls"]) == 1
    status, content_type, data = await client.download(response["resultUrls"][0])
    assert (status, content_type, data[4:8]) == (200, "video/mp4", b"ftyp")


async def test_success_callback_matches_the_veo_shape(
    client: KieClient, receiver: Receiver
) -> None:
    task_id = await client.create(VEO_CREATE, {**REQUEST, "callBackUrl": receiver.url()})

    [delivery] = await receiver.wait_for(1)
    record = (await client.poll(VEO_RECORD, task_id, is_terminal))[-1]

    body = delivery.body
    assert (body["code"], body["msg"]) == (200, "Veo3.1 video generated successfully.")
    data = body["data"]
    assert set(data) == {"taskId", "promptJson", "info", "fallbackFlag"}
    assert (data["taskId"], data["fallbackFlag"]) == (task_id, False)
    assert json.loads(data["promptJson"]) == REQUEST
    assert set(data["info"]) == {"resultUrls", "originUrls", "resolution"}
    assert data["info"]["resultUrls"] == record["response"]["resultUrls"]
    assert isinstance(data["info"]["resultUrls"], list)
    timestamp = delivery.headers["X-Webhook-Timestamp"]
    assert delivery.headers["X-Webhook-Signature"] == expected_signature(
        HMAC_KEY, task_id, timestamp
    )


@pytest.mark.parametrize(
    ("outcome", "flag", "code"),
    [(Outcome.CONTENT_POLICY, 2, 400), (Outcome.FAIL, 3, 501)],
)
async def test_failures_set_flag_error_code_and_callback_code(
    sim: KieSimulator,
    client: KieClient,
    receiver: Receiver,
    outcome: Outcome,
    flag: int,
    code: int,
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, outcome=outcome))
    task_id = await client.create(VEO_CREATE, {**REQUEST, "callBackUrl": receiver.url()})

    record = (await client.poll(VEO_RECORD, task_id, is_terminal))[-1]
    [delivery] = await receiver.wait_for(1)

    assert (record["successFlag"], record["errorCode"], record["response"]) == (flag, code, None)
    assert record["errorMessage"]
    assert delivery.body["code"] == code
    assert delivery.body["data"] == {"taskId": task_id, "fallbackFlag": False}


async def test_content_policy_message_names_the_policy(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.0, outcome=Outcome.CONTENT_POLICY))
    await client.create(VEO_CREATE, {**REQUEST, "callBackUrl": receiver.url()})

    [delivery] = await receiver.wait_for(1)

    assert "content policies" in delivery.body["msg"]


@pytest.mark.parametrize(
    ("payload", "code", "message"),
    [
        ({"model": "veo3"}, 400, "prompt is required"),
        ({"prompt": ""}, 400, "prompt is required"),
        ({"prompt": "cat", "model": "veo9"}, 422, None),
        ({"prompt": "cat", "imageUrls": "http://x/a.png"}, 422, None),
    ],
)
async def test_invalid_generate_requests_are_rejected(
    client: KieClient, payload: dict[str, Any], code: int, message: str | None
) -> None:
    status, body = await client.post(VEO_CREATE, payload)

    assert (status, body["code"], body["data"]) == (200, code, None)
    if message is not None:
        assert body["msg"] == message


async def test_model_defaults_to_veo3_fast(sim: KieSimulator, client: KieClient) -> None:
    task_id = await client.create(VEO_CREATE, {"prompt": "a dog"})

    assert re.fullmatch(r"veo_[0-9a-f]{32}", task_id)
    assert sim.stats().creates_by_model == {"veo3_fast": 1}


async def test_veo_task_is_unknown_to_the_market_record_endpoint(client: KieClient) -> None:
    task_id = await client.create(VEO_CREATE, REQUEST)

    status, body = await client.get(RECORD, taskId=task_id)

    assert (status, body["code"], body["msg"]) == (200, 422, "recordInfo is null")
