"""A generation from start to the chat: job before createTask, callbacks as wake-ups, the
reconciler, exactly one capture and one delivery — with the real app, the KIE simulator and the
Bot API emulator, on both engines."""

import asyncio

import aiohttp
import pytest
import sqlalchemy as sa

from tests.e2e.conftest import Stack
from trt.domain.errors import FreeQuotaExhausted, InsufficientFunds
from trt.domain.inputs import MediaInput
from trt.domain.jobs import FailReason, JobStatus
from trt.sandbox.botapi.imaging import solid_png
from trt.sandbox.kie import Behaviour, CallbackMode, Outcome
from trt.storage import jobs, ledger
from trt.storage.jobs import Job
from trt.storage.tables import jobs as jobs_table

USER = 7001


async def job_of(stack: Stack, job_id: int) -> Job:
    async with stack.db.read() as tx:
        job = await jobs.get(tx, job_id)
    assert job is not None
    return job


async def wait_terminal(stack: Stack, job_id: int, timeout: float = 15) -> Job:
    async def poll() -> Job:
        while not (job := await job_of(stack, job_id)).status.is_terminal:
            await asyncio.sleep(0.05)
        return job

    return await asyncio.wait_for(poll(), timeout)


async def balance(stack: Stack, user_id: int = USER) -> tuple[int, int]:
    async with stack.db.read() as tx:
        current = await ledger.get_balance(tx, user_id)
        sums = await ledger.ledger_sums(tx, user_id)
    assert (current.available, current.held) == (sums.available, sums.held)
    return current.available, current.held


async def start(stack: Stack, model_id: str, values: dict[str, object], user_id: int = USER) -> int:
    user = stack.telegram.user(user_id=user_id)
    await user.send_command("/start")  # opens the chat, so the bot may write to it
    await user.wait_for(lambda m: m.from_bot)
    started = await stack.parts.generation.start(
        user_id=user_id, chat_id=user_id, model_id=model_id, values=values
    )
    return started.job_id


async def test_paid_image_is_charged_once_and_delivered_once(stack: Stack) -> None:
    stack.kie.set_behaviour(
        Behaviour(latency=0.3, callback=CallbackMode.DUPLICATE, callback_copies=5)
    )
    await stack.top_up(USER, 100_000)
    job_id = await start(stack, "nano-banana", {"prompt": "a red apple"})
    assert await balance(stack) != (100_000, 0)  # held right away, before KIE was called

    job = await wait_terminal(stack, job_id)
    await stack.telegram.wait_until(lambda: bool(stack.telegram.sent("sendPhoto")), timeout=10)
    await stack.kie.wait_callbacks()
    await asyncio.sleep(0.5)  # room for any (wrong) second capture or delivery

    assert job.status is JobStatus.SUCCEEDED
    assert await balance(stack) == (100_000 - job.price, 0)
    assert len(stack.telegram.sent("sendPhoto")) == 1
    [task] = stack.kie.tasks()
    assert task.input["prompt"] == "a red apple"
    assert stack.kie.stats().record_queries <= 2


async def test_veo_video_and_suno_tracks_reach_the_chat(stack: Stack) -> None:
    await stack.top_up(USER, 500_000)
    video = await start(stack, "veo-3-1-fast-t2v", {"prompt": "a cat surfing"})
    music = await start(stack, "suno-v4-5", {"prompt": "a calm piano song"})

    assert (await wait_terminal(stack, video)).status is JobStatus.SUCCEEDED
    assert (await wait_terminal(stack, music)).status is JobStatus.SUCCEEDED
    await stack.telegram.wait_until(
        lambda: (
            len(stack.telegram.sent("sendVideo")) == 1
            and len(stack.telegram.sent("sendAudio")) == 2
        ),
        timeout=10,
    )
    held = (await balance(stack))[1]
    assert held == 0


async def test_a_lost_callback_is_made_up_by_the_reconciler(stack: Stack) -> None:
    stack.kie.set_behaviour(Behaviour(latency=0.3, callback=CallbackMode.LOST))
    job_id = await start(stack, "z-image", {"prompt": "a lighthouse"})

    job = await wait_terminal(stack, job_id)
    assert job.status is JobStatus.SUCCEEDED
    stats = stack.kie.stats()
    assert stats.callbacks.sent == 0
    assert stats.record_queries >= 1
    await stack.telegram.wait_until(lambda: bool(stack.telegram.sent("sendPhoto")), timeout=10)


async def test_a_kie_failure_releases_the_hold_and_tells_the_user(stack: Stack) -> None:
    stack.kie.set_behaviour(Behaviour(latency=0.2, outcome=Outcome.CONTENT_POLICY))
    await stack.top_up(USER, 50_000)
    job_id = await start(stack, "nano-banana", {"prompt": "something forbidden"})

    job = await wait_terminal(stack, job_id)
    assert (job.status, job.fail_reason) == (JobStatus.FAILED, FailReason.CONTENT_POLICY)
    assert await balance(stack) == (50_000, 0)
    user = stack.telegram.user(user_id=USER)
    await user.wait_for(lambda m: "правилами контента" in m.text and "возвращены" in m.text)


async def test_insufficient_balance_creates_nothing(stack: Stack) -> None:
    await stack.top_up(USER, 100)
    user = stack.telegram.user(user_id=USER)
    await user.send_command("/start")
    with pytest.raises(InsufficientFunds) as refused:
        await stack.parts.generation.start(
            user_id=USER, chat_id=USER, model_id="veo-3-1-t2v", values={"prompt": "epic"}
        )
    assert refused.value.available == 100
    async with stack.db.read() as tx:
        count = (await tx.execute(sa.select(sa.func.count()).select_from(jobs_table))).scalar_one()
    assert count == 0
    assert await balance(stack) == (100, 0)
    assert stack.kie.stats().creates == {}


async def test_free_quota_is_used_per_job_and_returned_on_failure(stack: Stack) -> None:
    stack.kie.set_behaviour(Behaviour(latency=0.1, outcome=Outcome.FAIL))
    failed = await start(stack, "z-image", {"prompt": "one"})
    await wait_terminal(stack, failed)
    assert (await stack.parts.generation.free_quota(user_id=USER)).used == 0

    stack.kie.set_behaviour(Behaviour(latency=0.1))
    for n in range(5):
        await wait_terminal(stack, await start(stack, "z-image", {"prompt": f"n{n}"}))
    status = await stack.parts.generation.free_quota(user_id=USER)
    assert (status.used, status.left) == (5, 0)
    with pytest.raises(FreeQuotaExhausted) as refused:
        await start(stack, "z-image", {"prompt": "one too many"})
    assert refused.value.limit == 5


async def test_a_user_photo_reaches_kie_through_its_upload_api(stack: Stack) -> None:
    user = stack.telegram.user(user_id=USER)
    await user.send_command("/start")
    photo = solid_png(32, 32, (200, 30, 30))
    sent = await user.send_photo(photo)
    file_id = sent.data["photo"][-1]["file_id"]
    media = MediaInput(ref=file_id, mime_type="image/jpeg", size=len(photo))
    job_id = await start(stack, "qwen-edit", {"prompt": "make it blue", "image": media})

    assert (await wait_terminal(stack, job_id)).status is JobStatus.SUCCEEDED
    [task] = stack.kie.tasks()
    image_url = str(task.input["image_url"])
    assert image_url.startswith(stack.kie.base_url)
    assert stack.telegram.token not in str(task.input)
    assert [upload.data for upload in stack.kie.uploads()] == [photo]


async def test_forged_and_unknown_callbacks_change_nothing(stack: Stack) -> None:
    stack.kie.set_behaviour(Behaviour(latency=0.1, hold=True))
    job_id = await start(stack, "z-image", {"prompt": "held"})
    await stack.telegram.wait_until(lambda: bool(stack.kie.tasks()), timeout=10)
    await asyncio.sleep(0.3)
    before = await job_of(stack, job_id)
    queries_before = stack.kie.stats().record_queries

    bodies = [
        (f"/callbacks/kie?job={job_id}&sig=deadbeef", {"data": {"taskId": before.task_id}}),
        ("/callbacks/kie", {"data": {"taskId": before.task_id, "state": "success"}}),
        (f"/callbacks/kie?job={job_id + 1000}&sig=x", {"data": {"taskId": "nope"}}),
    ]
    async with aiohttp.ClientSession() as http:
        for path, body in bodies:
            async with http.post(f"{stack.base_url}{path}", json=body) as response:
                assert response.status == 200
        async with http.post(f"{stack.base_url}/callbacks/kie", data=b"\x00not json") as response:
            assert response.status == 200
    await asyncio.sleep(0.3)

    after = await job_of(stack, job_id)
    assert (after.status, after.next_check_at) == (before.status, before.next_check_at)
    assert stack.kie.stats().record_queries == queries_before


async def test_metrics_count_jobs_kie_calls_callbacks_and_deliveries(stack: Stack) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    job_id = await start(stack, "z-image", {"prompt": "a metric"})
    await wait_terminal(stack, job_id)
    await stack.telegram.wait_until(lambda: bool(stack.telegram.sent("sendPhoto")), timeout=10)
    await asyncio.sleep(0.2)
    async with aiohttp.ClientSession() as http, http.get(f"{stack.base_url}/metrics") as response:
        assert response.status == 200
        text = await response.text()

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("trt_jobs_total", (("model", "z-image"), ("outcome", "created")))] == 1
    assert samples[("trt_jobs_total", (("model", "z-image"), ("outcome", "succeeded")))] == 1
    assert samples[("trt_deliveries_total", (("outcome", "sent"),))] == 1
    assert samples[("trt_kie_callbacks_total", (("outcome", "woke"),))] >= 1
    assert (
        samples[("trt_kie_request_seconds_count", (("operation", "create"), ("outcome", "ok")))]
        == 1
    )
    assert any(name == "trt_http_request_seconds_count" for name, _ in samples)


async def test_callbacks_faster_than_the_stored_task_id_never_submit_twice(stack: Stack) -> None:
    """With no latency KIE's callback can arrive before the task id is stored: every job must
    still have exactly one task, one capture and one delivery."""
    stack.kie.set_behaviour(
        Behaviour(latency=0, callback=CallbackMode.DUPLICATE, callback_copies=3)
    )
    await stack.top_up(USER, 1_000_000)
    job_ids = [await start(stack, "nano-banana", {"prompt": f"fast {n}"}) for n in range(4)]

    finished = [await wait_terminal(stack, job_id) for job_id in job_ids]
    await stack.telegram.wait_until(lambda: len(stack.telegram.sent("sendPhoto")) >= 4, timeout=15)
    await asyncio.sleep(0.5)

    assert all(job.status is JobStatus.SUCCEEDED for job in finished)
    assert sum(stack.kie.stats().creates.values()) == 4
    assert len(stack.telegram.sent("sendPhoto")) == 4
    assert await balance(stack) == (1_000_000 - sum(job.price for job in finished), 0)


async def test_out_of_order_callbacks_settle_once(stack: Stack) -> None:
    stack.kie.set_behaviour(Behaviour(latency=0.2, callback=CallbackMode.OUT_OF_ORDER))
    await stack.top_up(USER, 500_000)
    music = await start(stack, "suno-v4-5", {"prompt": "a quiet song"})
    image = await start(stack, "nano-banana", {"prompt": "a pear"})

    assert (await wait_terminal(stack, music)).status is JobStatus.SUCCEEDED
    assert (await wait_terminal(stack, image)).status is JobStatus.SUCCEEDED
    await stack.kie.wait_callbacks()
    await stack.telegram.wait_until(
        lambda: (
            len(stack.telegram.sent("sendAudio")) == 2
            and len(stack.telegram.sent("sendPhoto")) == 1
        ),
        timeout=10,
    )
    await asyncio.sleep(0.5)
    assert len(stack.telegram.sent("sendAudio")) == 2
    assert await balance(stack) == (
        500_000 - sum([(await job_of(stack, music)).price, (await job_of(stack, image)).price]),
        0,
    )
