"""Flux Kontext, 4o Image and Runway in the simulator: create checks, records that move to a
terminal state with downloadable results, and callbacks in each documented shape (REFERENCE
§3.4, §4, §7)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.test_kie_support import KieClient, Receiver
from trt.sandbox.kie import Behaviour, KieSimulator, Outcome

KONTEXT = ("/api/v1/flux/kontext/generate", "/api/v1/flux/kontext/record-info")
GPT4O = ("/api/v1/gpt4o-image/generate", "/api/v1/gpt4o-image/record-info")
RUNWAY = ("/api/v1/runway/generate", "/api/v1/runway/record-detail")


def flag_terminal(data: dict[str, Any]) -> bool:
    return data["successFlag"] != 0


def runway_terminal(data: dict[str, Any]) -> bool:
    return data["state"] in ("success", "fail")


async def test_flux_kontext_record_ends_with_a_result_image(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.set_behaviour(Behaviour(latency=0.2))
    task_id = await client.create(KONTEXT[0], {"prompt": "a fox", "model": "flux-kontext-max"})

    final = (await client.poll(KONTEXT[1], task_id, flag_terminal))[-1]

    assert final["successFlag"] == 1
    status, content_type, data = await client.download(final["response"]["resultImageUrl"])
    assert (status, content_type, data[:4]) == (200, "image/png", b"\x89PNG")


async def test_gpt4o_record_has_status_beside_the_flag_and_n_variants(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.set_behaviour(Behaviour(latency=0.2))
    task_id = await client.create(GPT4O[0], {"prompt": "a poster", "size": "3:2", "nVariants": 2})

    final = (await client.poll(GPT4O[1], task_id, flag_terminal))[-1]

    assert (final["successFlag"], final["status"], final["progress"]) == (1, "SUCCESS", "1.00")
    assert len(final["response"]["resultUrls"]) == 2


async def test_runway_record_moves_through_its_states_to_a_video(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.set_behaviour(Behaviour(latency=0.3))
    payload = {"prompt": "waves", "duration": 5, "quality": "720p", "aspectRatio": "16:9"}
    task_id = await client.create(RUNWAY[0], payload)

    seen = await client.poll(RUNWAY[1], task_id, runway_terminal)

    assert seen[-1]["state"] == "success"
    assert {data["state"] for data in seen[:-1]} <= {"wait", "queueing", "generating"}
    status, content_type, _ = await client.download(seen[-1]["videoInfo"]["videoUrl"])
    assert (status, content_type) == (200, "video/mp4")


@pytest.mark.parametrize(
    ("path", "payload", "message"),
    [
        (KONTEXT[0], {"prompt": "x", "model": "flux-kontext-ultra"}, "model"),
        (KONTEXT[0], {"prompt": "x", "aspectRatio": "2:1"}, "aspectRatio"),
        (GPT4O[0], {"prompt": "x", "size": "16:9"}, "size"),
        (GPT4O[0], {"size": "1:1"}, "prompt or filesUrl"),
        (GPT4O[0], {"prompt": "x", "size": "1:1", "filesUrl": ["u"] * 6}, "filesUrl"),
        (
            RUNWAY[0],
            {"prompt": "x", "duration": 10, "quality": "1080p", "aspectRatio": "1:1"},
            "1080p",
        ),
        (RUNWAY[0], {"prompt": "x", "duration": 5, "quality": "720p"}, "aspectRatio"),
        (
            RUNWAY[0],
            {"prompt": "x", "duration": 7, "quality": "720p", "aspectRatio": "1:1"},
            "duration",
        ),
    ],
)
async def test_invalid_creates_are_refused_with_a_reason(
    client: KieClient, path: str, payload: dict[str, Any], message: str
) -> None:
    status, body = await client.post(path, payload)
    assert status == 200  # KIE answers business errors in the body
    assert body["code"] in (400, 422)
    assert message in body["msg"]


async def test_callbacks_follow_each_documented_shape(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.1))
    url = receiver.url()
    await client.create(KONTEXT[0], {"prompt": "a", "callBackUrl": url})
    await client.create(GPT4O[0], {"prompt": "b", "size": "1:1", "callBackUrl": url})
    runway = {"prompt": "c", "duration": 5, "quality": "720p", "aspectRatio": "1:1"}
    await client.create(RUNWAY[0], {**runway, "callBackUrl": url})

    deliveries = await receiver.wait_for(3)

    assert all(d.body["code"] == 200 for d in deliveries)
    datas = [d.body["data"] for d in deliveries]
    [kontext] = [data["info"] for data in datas if "resultImageUrl" in (data.get("info") or {})]
    assert kontext["resultImageUrl"].endswith(".png")
    [gpt4o] = [data["info"] for data in datas if "result_urls" in (data.get("info") or {})]
    assert len(gpt4o["result_urls"]) == 1
    [run] = [data for data in datas if "task_id" in data]
    assert run["video_url"].endswith(".mp4")
    assert run["image_url"].endswith(".png")


async def test_a_refused_runway_task_reports_fail_with_a_message(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.set_behaviour(Behaviour(latency=0.1, outcome=Outcome.CONTENT_POLICY))
    payload = {"prompt": "x", "duration": 5, "quality": "720p", "aspectRatio": "1:1"}
    task_id = await client.create(RUNWAY[0], payload)

    final = (await client.poll(RUNWAY[1], task_id, runway_terminal))[-1]

    assert (final["state"], final["videoInfo"]) == ("fail", None)
    assert "moderator" in final["failMsg"]
