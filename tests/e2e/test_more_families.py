"""Flux Kontext, 4o Image and Runway (each its own create and record endpoints and callback
shape), and the ElevenLabs dialogue, from start to the chat: charged once and delivered once,
with the real app, the KIE simulator and the Bot API emulator, on both engines."""

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_lifecycle import USER, balance, start, wait_terminal
from trt.domain.inputs import MediaInput
from trt.domain.jobs import JobStatus
from trt.sandbox.botapi.imaging import solid_png
from trt.sandbox.kie import Behaviour, CallbackMode, Outcome


@pytest.mark.parametrize(
    ("model_id", "values", "method"),
    [
        ("flux-kontext-max", {"prompt": "a fox", "aspect_ratio": "1:1"}, "sendPhoto"),
        ("gpt4o-image", {"prompt": "a poster", "aspect_ratio": "3:2"}, "sendPhoto"),
        ("runway-t2v", {"prompt": "waves", "duration": "10", "quality": "720p"}, "sendVideo"),
    ],
)
async def test_each_family_is_charged_once_and_delivered_once(
    stack: Stack, model_id: str, values: dict[str, object], method: str
) -> None:
    stack.kie.set_behaviour(Behaviour(latency=0.2, callback=CallbackMode.DUPLICATE))
    await stack.top_up(USER, 100_000)
    job_id = await start(stack, model_id, values)

    job = await wait_terminal(stack, job_id)
    await stack.telegram.wait_until(lambda: bool(stack.telegram.sent(method)), timeout=10)
    await stack.kie.wait_callbacks()

    assert job.status is JobStatus.SUCCEEDED
    assert job.price > 0
    assert await balance(stack) == (100_000 - job.price, 0)
    assert len(stack.telegram.sent(method)) == 1
    [task] = stack.kie.tasks()
    assert task.family == job.family
    assert task.input["prompt"] == values["prompt"]


async def test_runway_sends_its_body_fields_by_their_kie_names(stack: Stack) -> None:
    await stack.top_up(USER, 100_000)
    job_id = await start(stack, "runway-t2v", {"prompt": "rain", "quality": "1080p"})
    assert (await wait_terminal(stack, job_id)).status is JobStatus.SUCCEEDED
    [task] = stack.kie.tasks()
    assert {key: task.input[key] for key in ("duration", "quality", "aspectRatio")} == {
        "duration": 5,
        "quality": "1080p",
        "aspectRatio": "16:9",
    }


async def test_a_kontext_edit_sends_the_photo_through_kies_upload_api(stack: Stack) -> None:
    await stack.top_up(USER, 100_000)
    user = stack.telegram.user(user_id=USER)
    await user.send_command("/start")
    photo = solid_png(32, 32, (30, 200, 30))
    sent = await user.send_photo(photo)
    media = MediaInput(
        ref=sent.data["photo"][-1]["file_id"], mime_type="image/jpeg", size=len(photo)
    )
    job_id = await start(stack, "flux-kontext-pro-edit", {"prompt": "make it red", "image": media})

    assert (await wait_terminal(stack, job_id)).status is JobStatus.SUCCEEDED
    [task] = stack.kie.tasks()
    assert str(task.input["inputImage"]).startswith(stack.kie.base_url)
    assert [upload.data for upload in stack.kie.uploads()] == [photo]


async def test_a_failed_4o_image_releases_the_hold(stack: Stack) -> None:
    stack.kie.set_behaviour(Behaviour(latency=0.2, outcome=Outcome.CONTENT_POLICY))
    await stack.top_up(USER, 100_000)
    job_id = await start(stack, "gpt4o-image", {"prompt": "forbidden"})

    job = await wait_terminal(stack, job_id)
    assert job.status is JobStatus.FAILED
    assert await balance(stack) == (100_000, 0)


async def test_a_dialogue_reaches_kie_as_voice_lines_and_comes_back_as_audio(
    stack: Stack,
) -> None:
    await stack.top_up(USER, 100_000)
    text = "Brian: Shall we go?\nBella: Yes, let's."
    job_id = await start(stack, "tts-dialogue-v3", {"dialogue": text})

    job = await wait_terminal(stack, job_id)
    await stack.telegram.wait_until(lambda: bool(stack.telegram.sent("sendAudio")), timeout=10)

    assert job.status is JobStatus.SUCCEEDED
    [task] = stack.kie.tasks()
    assert [line["text"] for line in task.input["dialogue"]] == ["Shall we go?", "Yes, let's."]
    assert len({line["voice"] for line in task.input["dialogue"]}) == 2
