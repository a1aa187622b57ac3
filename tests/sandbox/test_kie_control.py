"""Controls: hold and complete, counters, reset, and the `/_sim/` HTTP endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.sandbox.test_kie_support import (
    CREATE,
    RECORD,
    SUNO_CREATE,
    VEO_CREATE,
    KieClient,
    Receiver,
    fast_simulator,
)
from trt.sandbox.kie import Behaviour, KieSimulator, Outcome, TaskNotRunningError

INPUTS = {"prompt": "a tree"}


@pytest.fixture
async def sim() -> AsyncIterator[KieSimulator]:
    async with fast_simulator() as simulator:
        yield simulator


async def control(
    client: KieClient, method: str, path: str, payload: Any = None
) -> tuple[int, Any]:
    url = client.base_url + path
    async with client.session.request(method, url, json=payload) as answer:
        return answer.status, await answer.json()


async def test_held_task_waits_for_complete_then_reports_and_calls_back(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, hold=True))
    task_id = await client.create_market("z-image", INPUTS, receiver.url())

    await client.poll(RECORD, task_id, lambda data: data["state"] == "generating")
    assert receiver.received == []

    sim.complete_task(task_id, outcome=Outcome.FAIL)
    [delivery] = await receiver.wait_for(1)

    assert (await client.record(RECORD, task_id))["state"] == "fail"
    assert delivery.body["data"]["state"] == "fail"
    with pytest.raises(TaskNotRunningError):
        sim.complete_task(task_id)


async def test_completing_a_held_suno_task_sends_every_stage_in_order(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.0, hold=True))
    payload = {
        "prompt": "rain",
        "customMode": False,
        "instrumental": False,
        "model": "V4",
        "callBackUrl": receiver.url(),
    }
    task_id = await client.create(SUNO_CREATE, payload)

    sim.complete_task(task_id)
    deliveries = await receiver.wait_for(3)

    assert [d.body["data"]["callbackType"] for d in deliveries] == ["text", "first", "complete"]


async def test_complete_rejects_unknown_tasks_and_the_never_outcome(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, hold=True))
    task_id = await client.create_market("z-image", INPUTS)

    with pytest.raises(KeyError):
        sim.complete_task("missing")
    with pytest.raises(ValueError, match="never"):
        sim.complete_task(task_id, outcome=Outcome.NEVER)


async def test_per_model_behaviour_overrides_the_default(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.set_behaviour(Behaviour(latency=0.0, outcome=Outcome.FAIL), model="flaky/model")

    good = await client.create_market("z-image", INPUTS)
    bad = await client.create_market("flaky/model", INPUTS)

    terminal = {"success", "fail"}
    done = [await client.poll(RECORD, i, lambda d: d["state"] in terminal) for i in (good, bad)]
    assert [seen[-1]["state"] for seen in done] == ["success", "fail"]


async def test_stats_count_everything_received(sim: KieSimulator, client: KieClient) -> None:
    market = await client.create_market("z-image", INPUTS, "http://127.0.0.1:9/cb")
    await client.create(VEO_CREATE, {"prompt": "x"})
    await client.post(CREATE, {"model": "z-image"})
    for _ in range(3):
        await client.get(RECORD, taskId=market)
    await client.get("/api/v1/chat/credit")

    stats = sim.stats()

    assert stats.creates == {"market": 1, "veo": 1}
    assert stats.creates_by_model == {"z-image": 1, "veo3_fast": 1}
    assert stats.rejected_creates == 1
    assert (stats.record_queries, stats.record_queries_by_task) == (3, {market: 3})
    assert stats.credit_queries == 1
    [task] = [t for t in stats.tasks if t.task_id == market]
    assert (task.family, task.model, task.callback_url) == (
        "market",
        "z-image",
        "http://127.0.0.1:9/cb",
    )
    assert task.input == INPUTS


async def test_reset_forgets_tasks_counters_and_overrides(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, hold=True))
    sim.register_models(["z-image"])
    task_id = await client.create_market("z-image", INPUTS)

    sim.reset()

    assert sim.stats().tasks == ()
    assert sim.stats().creates == {}
    assert sim.scenario.default.hold is False
    assert (await client.get(RECORD, taskId=task_id))[1]["code"] == 422
    assert await client.create_market("other/model", INPUTS)


async def test_http_scenario_round_trip(client: KieClient) -> None:
    scenario = {
        "default": {"latency": 0.0, "outcome": "content_policy"},
        "models": {"z-image": {"latency": 0.0, "callback": "duplicate", "callback_copies": 4}},
        "seed": 3,
        "http_errors": True,
    }

    status, applied = await control(client, "POST", "/_sim/scenario", scenario)
    current = (await control(client, "GET", "/_sim/scenario"))[1]

    assert status == 200
    assert applied == current
    assert current["default"]["outcome"] == "content_policy"
    assert current["models"]["z-image"]["callback_copies"] == 4
    assert current["http_errors"] is True


@pytest.mark.parametrize(
    "payload",
    [{"default": {"latency": -1}}, {"default": {"outcome": "maybe"}}, {"unknown": 1}, [1, 2]],
)
async def test_http_scenario_rejects_invalid_input(client: KieClient, payload: Any) -> None:
    status, body = await control(client, "POST", "/_sim/scenario", payload)

    assert status == 400
    assert body["error"]


async def test_http_behaviour_models_credits_and_faults(
    sim: KieSimulator, client: KieClient
) -> None:
    behaviour = {"model": "m/x", "behaviour": {"latency": 0.0, "cost": 3}}
    assert (await control(client, "POST", "/_sim/behaviour", behaviour))[0] == 200
    assert (await control(client, "POST", "/_sim/models", {"models": ["m/x"]}))[0] == 200
    assert (await control(client, "POST", "/_sim/credits", {"credits": 50}))[0] == 200
    fault = {"path": CREATE, "status": 503, "count": 2}
    assert (await control(client, "POST", "/_sim/faults", fault))[0] == 200

    faults = (await control(client, "GET", "/_sim/faults"))[1]["faults"]
    assert [(f["path"], f["status"], f["count"]) for f in faults] == [(CREATE, 503, 2)]
    assert (await control(client, "DELETE", "/_sim/faults"))[1] == {"faults": []}
    assert sim.scenario.behaviour_for("m/x").cost == 3
    assert (await client.post(CREATE, {"model": "other", "input": {}}))[1]["code"] == 422
    assert (await client.get("/api/v1/chat/credit"))[1]["data"] == 50


async def test_http_complete_task_and_task_views(sim: KieSimulator, client: KieClient) -> None:
    sim.set_behaviour(Behaviour(latency=0.0, hold=True))
    task_id = await client.create_market("z-image", INPUTS)
    path = f"/_sim/tasks/{task_id}/complete"

    completed = await control(client, "POST", path, {"outcome": "content_policy"})
    again = await control(client, "POST", path, {"outcome": "success"})
    unknown = await control(client, "POST", "/_sim/tasks/nope/complete", {})
    one = await control(client, "GET", f"/_sim/tasks/{task_id}")
    listed = await control(client, "GET", "/_sim/tasks")

    assert completed == (200, {"task_id": task_id, "outcome": "content_policy"})
    assert (again[0], unknown[0]) == (409, 404)
    assert (one[1]["state"], one[1]["outcome"]) == ("fail", "content_policy")
    assert [task["task_id"] for task in listed[1]["tasks"]] == [task_id]
    assert (await control(client, "GET", "/_sim/tasks/nope"))[0] == 404


async def test_http_stats_uploads_wait_and_reset(sim: KieSimulator, client: KieClient) -> None:
    await client.create_market("z-image", INPUTS)
    upload = {"base64Data": "aGk=", "uploadPath": "t", "fileName": "hi.txt"}
    await client.post("/api/file-base64-upload", upload)

    stats = (await control(client, "GET", "/_sim/stats"))[1]
    uploads = (await control(client, "GET", "/_sim/uploads"))[1]["uploads"]
    waited = await control(client, "POST", "/_sim/callbacks/wait", {"timeout": 1})
    reset = await control(client, "POST", "/_sim/reset", {})

    assert stats["creates"] == {"market": 1}
    assert stats["uploads"] == {"base64": 1}
    assert stats["callbacks"] == {"sent": 0, "failed": 0, "lost": 0, "attempts": 0, "pending": 0}
    assert stats["tasks"][0]["model"] == "z-image"
    assert [(u["filePath"], u["fileSize"]) for u in uploads] == [("t/hi.txt", 2)]
    assert waited == (200, {"idle": True})
    assert reset == (200, {"reset": True})
    assert sim.uploads() == []


async def test_public_url_is_used_in_result_and_download_urls() -> None:
    async with (
        fast_simulator(public_url="https://kie.sandbox.test/") as sim,
        aiohttp.ClientSession() as session,
    ):
        client = KieClient(session, sim.base_url)
        task_id = await client.create_market("z-image", INPUTS)
        seen = await client.poll(RECORD, task_id, lambda data: data["state"] == "success")
        upload = {"base64Data": "aGk=", "uploadPath": "p", "fileName": "f.txt"}
        uploaded = (await client.post("/api/file-base64-upload", upload))[1]["data"]

    assert sim.public_url == "https://kie.sandbox.test"
    assert f"https://kie.sandbox.test/files/{task_id}/" in seen[-1]["resultJson"]
    assert uploaded["downloadUrl"] == "https://kie.sandbox.test/uploads/p/f.txt"
