"""Suno family: stages, camelCase record-info and snake_case callbacks (REFERENCE §3.4, §4)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.test_kie_support import (
    HMAC_KEY,
    SUNO_CREATE,
    SUNO_RECORD,
    KieClient,
    Receiver,
    distinct,
    expected_signature,
)
from trt.sandbox.kie import Behaviour, KieSimulator, Outcome

SNAKE_KEYS = {
    "id",
    "audio_url",
    "stream_audio_url",
    "image_url",
    "prompt",
    "model_name",
    "title",
    "tags",
    "createTime",
    "duration",
}
CAMEL_KEYS = {
    "id",
    "audioUrl",
    "streamAudioUrl",
    "imageUrl",
    "prompt",
    "modelName",
    "title",
    "tags",
    "createTime",
    "duration",
}
TERMINAL = {"SUCCESS", "GENERATE_AUDIO_FAILED", "SENSITIVE_WORD_ERROR"}


def request(callback_url: str) -> dict[str, Any]:
    return {
        "prompt": "a song about the sea",
        "customMode": False,
        "instrumental": False,
        "model": "V4_5",
        "callBackUrl": callback_url,
    }


def is_terminal(data: dict[str, Any]) -> bool:
    return data["status"] in TERMINAL


async def test_record_goes_through_the_four_statuses(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.6))
    task_id = await client.create(SUNO_CREATE, request(receiver.url()))

    seen = await client.poll(SUNO_RECORD, task_id, is_terminal)

    assert distinct(data["status"] for data in seen) == [
        "PENDING",
        "TEXT_SUCCESS",
        "FIRST_SUCCESS",
        "SUCCESS",
    ]
    final = seen[-1]
    assert final["taskId"] == task_id
    tracks = final["response"]["sunoData"]
    assert len(tracks) == 2
    assert all(set(track) == CAMEL_KEYS for track in tracks)
    assert all(track["audioUrl"].endswith(".mp3") for track in tracks)
    assert (final["errorCode"], final["errorMessage"]) == (None, None)


async def test_callbacks_arrive_text_first_complete_in_snake_case(
    client: KieClient, receiver: Receiver
) -> None:
    task_id = await client.create(SUNO_CREATE, request(receiver.url()))

    deliveries = await receiver.wait_for(3)
    record = (await client.poll(SUNO_RECORD, task_id, is_terminal))[-1]

    bodies = [delivery.body for delivery in deliveries]
    assert [body["data"]["callbackType"] for body in bodies] == ["text", "first", "complete"]
    assert all(body["code"] == 200 and body["data"]["task_id"] == task_id for body in bodies)
    text, first, complete = (body["data"]["data"] for body in bodies)
    assert text == []
    assert [track["audio_url"] != "" for track in first] == [True, False]
    assert all(track["stream_audio_url"] for track in first)
    assert bodies[2]["msg"] == "All generated successfully."
    assert all(set(track) == SNAKE_KEYS for track in complete)
    record_tracks = record["response"]["sunoData"]
    assert [track["id"] for track in complete] == [track["id"] for track in record_tracks]
    assert [track["audio_url"] for track in complete] == [t["audioUrl"] for t in record_tracks]
    assert complete[0]["model_name"] == "chirp-v4-5"
    for delivery in deliveries:
        timestamp = delivery.headers["X-Webhook-Timestamp"]
        signature = expected_signature(HMAC_KEY, task_id, timestamp)
        assert delivery.headers["X-Webhook-Signature"] == signature


async def test_track_audio_is_an_mp3(client: KieClient, receiver: Receiver) -> None:
    await client.create(SUNO_CREATE, request(receiver.url()))

    deliveries = await receiver.wait_for(3)
    track = deliveries[-1].body["data"]["data"][0]
    status, content_type, data = await client.download(track["audio_url"])

    assert (status, content_type) == (200, "audio/mpeg")
    assert data.startswith(b"ID3") or data[0] == 0xFF


async def test_generation_failure_sends_text_then_error(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, outcome=Outcome.FAIL))
    task_id = await client.create(SUNO_CREATE, request(receiver.url()))

    deliveries = await receiver.wait_for(2)
    record = (await client.poll(SUNO_RECORD, task_id, is_terminal))[-1]

    assert [d.body["data"]["callbackType"] for d in deliveries] == ["text", "error"]
    assert deliveries[1].body == {
        "code": 501,
        "msg": "Audio generation failed",
        "data": {"callbackType": "error", "task_id": task_id, "data": None},
    }
    assert (record["status"], record["errorCode"]) == ("GENERATE_AUDIO_FAILED", 501)


async def test_sensitive_prompt_sends_only_an_error(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, outcome=Outcome.CONTENT_POLICY))
    task_id = await client.create(SUNO_CREATE, request(receiver.url()))

    [delivery] = await receiver.wait_for(1)
    record = (await client.poll(SUNO_RECORD, task_id, is_terminal))[-1]

    assert (delivery.body["code"], delivery.body["data"]["callbackType"]) == (400, "error")
    assert record["status"] == "SENSITIVE_WORD_ERROR"
    assert record["response"]["sunoData"] == []


@pytest.mark.parametrize(
    ("drop", "code", "message"),
    [
        ("callBackUrl", 400, "callBackUrl is required"),
        ("customMode", 400, "customMode is required"),
        ("instrumental", 400, "instrumental is required"),
        ("model", 400, "model is required"),
        ("prompt", 400, "prompt is required"),
    ],
)
async def test_required_fields_are_enforced(
    client: KieClient, drop: str, code: int, message: str
) -> None:
    payload = request("http://127.0.0.1:9/cb")
    del payload[drop]

    status, body = await client.post(SUNO_CREATE, payload)

    assert (status, body) == (200, {"code": code, "msg": message, "data": None})


@pytest.mark.parametrize(
    "changes",
    [
        {"model": "V9"},
        {"customMode": "yes"},
        {"prompt": "x" * 501},
        {"customMode": True},  # custom mode needs style and title
        {"customMode": True, "style": "rock", "title": "t" * 81},
    ],
)
async def test_invalid_values_are_rejected(client: KieClient, changes: dict[str, Any]) -> None:
    status, body = await client.post(SUNO_CREATE, {**request("http://127.0.0.1:9/cb"), **changes})

    assert status == 200
    assert body["code"] in (400, 422)


async def test_custom_instrumental_needs_no_prompt(client: KieClient, receiver: Receiver) -> None:
    payload = {
        "customMode": True,
        "instrumental": True,
        "model": "V5",
        "style": "ambient",
        "title": "Night",
        "callBackUrl": receiver.url(),
    }

    await client.create(SUNO_CREATE, payload)
    deliveries = await receiver.wait_for(3)

    track = deliveries[-1].body["data"]["data"][0]
    assert (track["title"], track["tags"], track["prompt"]) == ("Night", "ambient", "")
