"""FSM records and the ConversationStates service, on SQLite and PostgreSQL."""

import asyncio
import math
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import ManualClock
from trt.services.conversation_state import ConversationStates
from trt.storage import fsm
from trt.storage.database import Database

KEY = "fsm:42:501:501:default"
OTHER_KEY = "fsm:42:502:502:default"
WIZARD_DATA = {
    "model": "flux-kontext",
    "prompt": "Кот в космосе, «акварель» — 4K ✨",
    "inputs": {"aspect_ratio": "16:9", "images": ["file-1", "file-2"], "steps": 30},
    "history": [{"field": "prompt", "ok": True}, {"field": "seed", "value": None}],
    "strength": 0.75,
}


@pytest.fixture
def states(db: Database, clock: ManualClock) -> ConversationStates:
    return ConversationStates(db=db, clock=clock)


async def test_a_new_key_has_no_state_and_no_data(states: ConversationStates) -> None:
    assert await states.get_state(KEY) is None
    assert await states.get_data(KEY) == {}


async def test_state_is_stored_and_overwritten(states: ConversationStates) -> None:
    await states.set_state(KEY, "Wizard:prompt")
    assert await states.get_state(KEY) == "Wizard:prompt"

    await states.set_state(KEY, "Wizard:confirm")
    assert await states.get_state(KEY) == "Wizard:confirm"


async def test_data_is_stored_and_replaced_not_merged(states: ConversationStates) -> None:
    await states.set_data(KEY, {"model": "z-image", "prompt": "кот"})
    await states.set_data(KEY, {"model": "veo3"})

    assert await states.get_data(KEY) == {"model": "veo3"}


async def test_json_round_trip_keeps_cyrillic_and_nesting(states: ConversationStates) -> None:
    await states.set_data(KEY, WIZARD_DATA)

    assert await states.get_data(KEY) == WIZARD_DATA


async def test_clearing_the_state_keeps_the_data(states: ConversationStates) -> None:
    await states.set_state(KEY, "Wizard:prompt")
    await states.set_data(KEY, {"prompt": "кот"})

    await states.set_state(KEY, None)

    assert await states.get_state(KEY) is None
    assert await states.get_data(KEY) == {"prompt": "кот"}


async def test_clearing_the_data_keeps_the_state(states: ConversationStates) -> None:
    await states.set_state(KEY, "Wizard:prompt")
    await states.set_data(KEY, {"prompt": "кот"})

    await states.set_data(KEY, {})

    assert await states.get_data(KEY) == {}
    assert await states.get_state(KEY) == "Wizard:prompt"


async def test_a_conversation_with_nothing_left_leaves_no_row(
    states: ConversationStates, db: Database
) -> None:
    await states.set_state(KEY, "Wizard:prompt")
    await states.set_data(KEY, {"prompt": "кот"})

    await states.set_state(KEY, None)
    await states.set_data(KEY, {})

    async with db.read() as tx:
        assert await fsm.get_record(tx, KEY) is None


async def test_clear_forgets_state_and_data(states: ConversationStates, db: Database) -> None:
    await states.set_state(KEY, "Wizard:prompt")
    await states.set_data(KEY, {"prompt": "кот"})

    await states.clear(KEY)

    assert await states.get_state(KEY) is None
    assert await states.get_data(KEY) == {}
    async with db.read() as tx:
        assert await fsm.get_record(tx, KEY) is None


async def test_two_keys_are_independent(states: ConversationStates) -> None:
    await states.set_state(KEY, "Wizard:prompt")
    await states.set_data(KEY, {"prompt": "кот"})
    await states.set_state(OTHER_KEY, "Wizard:confirm")

    await states.set_data(OTHER_KEY, {"prompt": "собака"})
    await states.set_state(KEY, None)

    assert await states.get_state(OTHER_KEY) == "Wizard:confirm"
    assert await states.get_data(OTHER_KEY) == {"prompt": "собака"}
    assert await states.get_data(KEY) == {"prompt": "кот"}


async def test_update_data_merges_and_returns_the_result(states: ConversationStates) -> None:
    await states.set_state(KEY, "Wizard:prompt")
    await states.set_data(KEY, {"model": "z-image", "prompt": "кот"})

    merged = await states.update_data(KEY, {"prompt": "кошка", "seed": 7})

    assert merged == {"model": "z-image", "prompt": "кошка", "seed": 7}
    assert await states.get_data(KEY) == merged
    assert await states.get_state(KEY) == "Wizard:prompt"


async def test_concurrent_updates_of_one_key_lose_nothing(states: ConversationStates) -> None:
    await asyncio.gather(*(states.update_data(KEY, {f"photo_{n}": n}) for n in range(8)))

    assert await states.get_data(KEY) == {f"photo_{n}": n for n in range(8)}


async def test_the_record_carries_the_clock_time(
    states: ConversationStates, db: Database, clock: ManualClock
) -> None:
    await states.set_state(KEY, "Wizard:prompt")
    clock.advance(minutes=5)
    await states.set_data(KEY, {"prompt": "кот"})

    async with db.read() as tx:
        record = await fsm.get_record(tx, KEY)
    assert record == fsm.FsmRecord(
        key=KEY,
        state="Wizard:prompt",
        data={"prompt": "кот"},
        updated_at=datetime(2026, 11, 24, 12, 5, tzinfo=UTC),
    )


async def test_returned_data_is_a_copy(states: ConversationStates) -> None:
    original = {"inputs": {"images": ["file-1"]}}
    await states.set_data(KEY, original)
    original["inputs"]["images"].append("file-2")

    data = await states.get_data(KEY)
    data["inputs"]["images"].append("file-3")

    assert await states.get_data(KEY) == {"inputs": {"images": ["file-1"]}}


@pytest.mark.parametrize(
    "data",
    [
        {"when": datetime(2026, 1, 1, tzinfo=UTC)},
        {"tags": {"a", "b"}},
        {"size": (1024, 768)},
        {"by_id": {1: "one"}},
        {"strength": math.nan},
        {"blob": b"\x00\x01"},
        {"prompt": "a\x00b"},
    ],
    ids=["datetime", "set", "tuple", "int-key", "nan", "bytes", "nul"],
)
async def test_non_json_data_is_refused_and_nothing_is_written(
    states: ConversationStates, data: dict[str, Any]
) -> None:
    await states.set_data(KEY, {"prompt": "кот"})

    with pytest.raises(ValueError, match="conversation data must"):
        await states.set_data(KEY, data)
    with pytest.raises(ValueError, match="conversation data must"):
        await states.update_data(KEY, data)

    assert await states.get_data(KEY) == {"prompt": "кот"}


async def test_state_and_data_survive_a_new_database_object(
    db_url: str, clock: ManualClock
) -> None:
    before = Database(db_url)
    try:
        states = ConversationStates(db=before, clock=clock)
        await states.set_state(KEY, "Wizard:prompt")
        await states.set_data(KEY, WIZARD_DATA)
    finally:
        await before.dispose()

    after = Database(db_url)
    try:
        restarted = ConversationStates(db=after, clock=clock)
        assert await restarted.get_state(KEY) == "Wizard:prompt"
        assert await restarted.get_data(KEY) == WIZARD_DATA
    finally:
        await after.dispose()


async def test_lock_record_creates_a_blank_row_once(db: Database, clock: ManualClock) -> None:
    async with db.transaction() as tx:
        await fsm.set_state(tx, key=KEY, state="Wizard:prompt", now=clock.now())
    async with db.transaction() as tx:
        locked = await fsm.lock_record(tx, key=KEY, now=clock.now())
        fresh = await fsm.lock_record(tx, key=OTHER_KEY, now=clock.now())

    assert (locked.state, locked.data) == ("Wizard:prompt", {})
    assert (fresh.state, fresh.data) == (None, {})
