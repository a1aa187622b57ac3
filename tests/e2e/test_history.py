"""The history through the real bot: pages of past jobs with statuses, a job's details, its
result sent again (and an expired one refused), other users' jobs refused — on both engines."""

import asyncio
from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_results import (
    actions_after,
    button_data,
    jobs_of,
    labels,
    open_chat,
    wait_jobs,
)
from tests.storage.test_deliveries import create_succeeded_job
from trt.bot.callbacks import HistoryCb, JobAction, JobCb
from trt.domain.quota import MOSCOW
from trt.sandbox.botapi import StoredMessage
from trt.sandbox.botapi.user import UserDriver
from trt.sandbox.kie import Behaviour, Outcome
from trt.storage.jobs import Job

USER = 8201
OTHER = 8202


def date_of(job: Job) -> str:
    return job.created_at.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")


async def open_history(user: UserDriver) -> StoredMessage:
    sent = await user.send_command("/history")
    return await user.wait_for(lambda m: m.text.startswith("🕘"), since=sent)


async def shown_after(user: UserDriver, message: StoredMessage, press: str) -> StoredMessage:
    """Press a button on `message` and wait for the screen it turns into."""
    before = message.text
    await user.press(message, button_data(message, press))
    return await user.wait_for(lambda m: m.message_id == message.message_id and m.text != before)


async def test_history_lists_jobs_shows_one_and_sends_its_result_again(stack: Stack) -> None:
    user = await open_chat(stack, USER)
    generation = stack.parts.generation
    await generation.start(
        user_id=USER, chat_id=USER, model_id="z-image", values={"prompt": "a lighthouse"}
    )
    await actions_after(user)
    stack.kie.set_behaviour(Behaviour(latency=0.2, outcome=Outcome.CONTENT_POLICY))
    await generation.start(
        user_id=USER, chat_id=USER, model_id="z-image", values={"prompt": "forbidden"}
    )
    failed, done = await wait_jobs(stack, 2, USER)

    await user.click("🏠 Menu")
    await user.click("🕘 History")
    listing = await user.wait_for(lambda m: m.text.startswith("🕘 Your generations"))
    assert listing.text.splitlines()[2:] == [
        f"1. Z-Image · ❌ failed · free · {date_of(failed)}",
        f"2. Z-Image · ✅ done · free · {date_of(done)}",
    ]
    assert labels(listing) == ["1. Z-Image", "2. Z-Image", "🏠 Menu"]

    details = await shown_after(user, listing, "2. Z-Image")
    assert "Status: ✅ done" in details.text
    assert "• Prompt: a lighthouse" in details.text
    assert labels(details) == ["📥 Send again", "🔁 Repeat", "✏️ Change inputs", "⬅️ Back"]
    pressed = await user.press(details, button_data(details, "📥 Send again"))
    assert pressed.text == "📥 Sending…"
    resent = await user.wait_for(lambda m: m.text == "📥 Sent again. What next?", timeout=10)
    assert len(stack.telegram.sent("sendPhoto")) == 2
    assert labels(resent) == ["🔁 Repeat", "✏️ Change inputs", "🏠 Menu"]

    listing = await shown_after(user, details, "⬅️ Back")
    details = await shown_after(user, listing, "1. Z-Image")
    assert "Status: ❌ failed" in details.text
    assert "rejected by the content rules" in details.text
    assert labels(details) == ["🔁 Repeat", "✏️ Change inputs", "⬅️ Back"]


async def test_a_result_whose_files_expired_is_not_sent_again(stack: Stack) -> None:
    user = await open_chat(stack, USER)
    await stack.parts.generation.start(
        user_id=USER, chat_id=USER, model_id="z-image", values={"prompt": "a lighthouse"}
    )
    await actions_after(user)
    stack.kie.reset()  # the provider no longer serves the result files

    details = await shown_after(user, await open_history(user), "1. Z-Image")
    await user.press(details, button_data(details, "📥 Send again"))
    expired = await user.wait_for(
        lambda m: m.message_id == details.message_id and m.text.startswith("⌛"), timeout=10
    )

    assert "no longer available" in expired.text
    assert labels(expired) == ["🔁 Repeat", "✏️ Change inputs", "⬅️ Back"]
    assert len(stack.telegram.sent("sendPhoto")) == 1


async def test_history_pages_eight_jobs_at_a_time(stack: Stack) -> None:
    user = await open_chat(stack, USER)
    now = datetime.now(UTC)
    for _ in range(10):
        await create_succeeded_job(stack.db, now, user_id=USER, language="en")
    newest_first = [job.id for job in await jobs_of(stack, USER)]

    first = await open_history(user)
    assert first.text.startswith("🕘 Your generations, page 1:")
    assert len(first.text.splitlines()) == 2 + 8
    assert labels(first) == [f"{n}. Z-Image" for n in range(1, 9)] + ["▶️", "🏠 Menu"]
    assert JobCb(action=JobAction.OPEN, job=newest_first[0]).pack() in first.callback_data

    second = await shown_after(user, first, "▶️")
    assert second.text.startswith("🕘 Your generations, page 2:")
    assert labels(second) == ["9. Z-Image", "10. Z-Image", "◀️", "🏠 Menu"]
    assert "· ✅ done · 10 ₽ ·" in second.text.splitlines()[-1]  # paid jobs show their price

    back = await shown_after(user, second, "◀️")
    assert back.text.startswith("🕘 Your generations, page 1:")
    await user.press(back, HistoryCb(page=7).pack(), check=False)
    last = await user.wait_for(lambda m: m.message_id == back.message_id and "page 2" in m.text)
    assert labels(last)[:2] == ["9. Z-Image", "10. Z-Image"]


async def test_a_user_without_jobs_sees_an_empty_history(stack: Stack) -> None:
    user = await open_chat(stack, USER)
    listing = await open_history(user)
    assert listing.text == "🕘 No generations yet. Pick a model in the menu."
    assert labels(listing) == ["🏠 Menu"]


@pytest.mark.parametrize("action", list(JobAction))
async def test_another_users_job_buttons_are_refused(stack: Stack, action: JobAction) -> None:
    await open_chat(stack, USER)
    job_id = await create_succeeded_job(stack.db, datetime.now(UTC), user_id=USER)
    other = await open_chat(stack, OTHER)
    menu = other.last_message()
    assert menu is not None

    pressed = await other.press(menu, JobCb(action=action, job=job_id).pack(), check=False)

    assert pressed.answered
    await other.wait_for(lambda m: m.text.startswith("This menu is outdated"), since=menu)
    await asyncio.sleep(0.3)  # room for a (wrong) job or re-send
    assert [job.id for job in await jobs_of(stack, USER)] == [job_id]
    assert await jobs_of(stack, OTHER) == []
    assert stack.telegram.sent("sendPhoto") == []
