"""The buttons under a delivered result: Repeat (one job per pressed message), Change inputs
(the wizard's summary pre-filled), Menu — with the real app, the KIE simulator and the Bot API
emulator, on both engines."""

import asyncio

from tests.e2e.conftest import Stack
from trt.domain.catalog import load_catalog
from trt.domain.inputs import validate
from trt.domain.pricing import PricingPolicy, quote
from trt.sandbox.botapi import StoredMessage
from trt.sandbox.botapi.user import UserDriver
from trt.storage import jobs, ledger
from trt.storage.jobs import Job

USER = 8101
ACTIONS_EN = "What next?"
CATALOG = load_catalog()


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


def button_data(message: StoredMessage, label: str) -> str:
    for row in message.buttons:
        for button in row:
            if button["text"] == label:
                return str(button["callback_data"])
    raise LookupError(f"no button {label!r} on {message.text!r}")


async def jobs_of(stack: Stack, user_id: int = USER) -> list[Job]:
    """The user's jobs, newest first."""
    async with stack.db.read() as tx:
        return await jobs.list_for_user(tx, user_id, limit=50)


async def wait_jobs(stack: Stack, count: int, user_id: int = USER) -> list[Job]:
    """Wait until the user has `count` jobs, all finished; newest first."""

    async def poll() -> list[Job]:
        while True:
            found = await jobs_of(stack, user_id)
            if len(found) >= count and all(job.status.is_terminal for job in found):
                return found
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout=15)


async def open_chat(stack: Stack, user_id: int = USER) -> UserDriver:
    user = stack.telegram.user(user_id=user_id, language_code="en")
    await user.send_command("/start")
    await user.wait_for(lambda m: m.text is not None and m.text.startswith("Hi"))
    return user


async def actions_after(user: UserDriver, since: StoredMessage | None = None) -> StoredMessage:
    """The next "What next?" message (after `since`): the buttons under a result."""
    return await user.wait_for(lambda m: m.text == ACTIONS_EN, since=since, timeout=15)


async def test_repeat_change_inputs_and_menu_under_a_delivered_result(stack: Stack) -> None:
    user = await open_chat(stack)
    await stack.parts.generation.start(
        user_id=USER, chat_id=USER, model_id="z-image", values={"prompt": "a lighthouse"}
    )

    actions = await actions_after(user)
    assert labels(actions) == ["🔁 Repeat", "✏️ Change inputs", "🏠 Menu"]
    assert [m.kind for m in user.messages(from_bot=True)][-2:] == ["photo", "text"]

    repeat = button_data(actions, "🔁 Repeat")
    presses = await asyncio.gather(user.press(actions, repeat), user.press(actions, repeat))
    assert all(press.answered for press in presses)
    assert "🔁 Started again — free" in [press.text for press in presses]
    second, first = await wait_jobs(stack, 2)
    assert (second.inputs, second.status_message_id) == (first.inputs, actions.message_id)
    assert user.message(actions).text.startswith(("⏳", "🎨", "✅"))
    assert len(await jobs_of(stack)) == 2  # the double press started one job

    next_actions = await actions_after(user, since=actions)
    await user.press(next_actions, button_data(next_actions, "✏️ Change inputs"))
    summary = await user.wait_for(
        lambda m: m.message_id == next_actions.message_id and "check and confirm" in m.text
    )
    assert "• Prompt: a lighthouse" in summary.text
    await user.press(summary, button_data(summary, "✅ Confirm"))
    third, *_ = await wait_jobs(stack, 3)
    assert third.inputs == first.inputs

    last_actions = await actions_after(user, since=next_actions)
    await user.press(last_actions, button_data(last_actions, "🏠 Menu"))
    menu = await user.wait_for(lambda m: m.message_id == last_actions.message_id and m.edited)
    assert menu.text == "Main menu"
    assert "🕘 History" in labels(menu)


async def test_a_repeat_without_enough_money_explains_and_keeps_the_buttons(stack: Stack) -> None:
    model = CATALOG.get("nano-banana")
    values = {"prompt": "a red apple"}
    price = quote(model, validate(model, values).values, PricingPolicy()).price
    user = await open_chat(stack)
    await stack.top_up(USER, price + price // 2)
    await stack.parts.generation.start(user_id=USER, chat_id=USER, model_id=model.id, values=values)
    actions = await actions_after(user)

    pressed = await user.press(actions, button_data(actions, "🔁 Repeat"))

    assert pressed.answered
    refusal = await user.wait_for(lambda m: m.message_id == actions.message_id and m.edited)
    assert refusal.text.startswith("Not enough money")
    assert labels(refusal) == ["💳 Top up", "🔁 Repeat", "✏️ Change inputs", "🏠 Menu"]
    assert len(await jobs_of(stack)) == 1
    async with stack.db.read() as tx:
        balance = await ledger.get_balance(tx, USER)
    assert (balance.available, balance.held) == (price // 2, 0)
