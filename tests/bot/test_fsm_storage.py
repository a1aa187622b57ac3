"""aiogram's FSMContext over the database storage (both engines) and over Redis."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from tests.conftest import ManualClock
from trt.bot.fsm import DatabaseFsmStorage, build_fsm_storage
from trt.services.conversation_state import ConversationStates
from trt.storage.database import Database

REDIS_URL = "redis://127.0.0.1:6379/15"
REDIS_TIMEOUT_S = 5
KEY = StorageKey(bot_id=42, chat_id=501, user_id=501)


class Wizard(StatesGroup):
    prompt = State()
    confirm = State()


@pytest.fixture
def states(db: Database, clock: ManualClock) -> ConversationStates:
    return ConversationStates(db=db, clock=clock)


@pytest.fixture
def storage(states: ConversationStates) -> BaseStorage:
    return build_fsm_storage(redis_url=None, states=states)


async def test_without_redis_the_database_storage_is_used(storage: BaseStorage) -> None:
    assert isinstance(storage, DatabaseFsmStorage)


async def test_a_wizard_runs_through_fsm_context(storage: BaseStorage) -> None:
    context = FSMContext(storage=storage, key=KEY)

    await context.set_state(Wizard.prompt)
    await context.update_data(model="flux-kontext")
    merged = await context.update_data({"prompt": "кот в космосе"}, aspect_ratio="16:9")
    await context.set_state(Wizard.confirm)

    expected = {"model": "flux-kontext", "prompt": "кот в космосе", "aspect_ratio": "16:9"}
    assert merged == expected
    assert await context.get_state() == "Wizard:confirm"
    assert await context.get_data() == expected
    assert await context.get_value("prompt") == "кот в космосе"


async def test_clear_forgets_state_and_data(storage: BaseStorage) -> None:
    context = FSMContext(storage=storage, key=KEY)
    await context.set_state(Wizard.prompt)
    await context.set_data({"prompt": "кот"})

    await context.clear()

    assert await context.get_state() is None
    assert await context.get_data() == {}


async def test_clearing_the_state_keeps_the_data(storage: BaseStorage) -> None:
    context = FSMContext(storage=storage, key=KEY)
    await context.set_state(Wizard.prompt)
    await context.set_data({"prompt": "кот"})

    await context.set_state(None)

    assert await context.get_state() is None
    assert await context.get_data() == {"prompt": "кот"}


@pytest.mark.parametrize(
    "other",
    [
        StorageKey(bot_id=43, chat_id=501, user_id=501),
        StorageKey(bot_id=42, chat_id=-100501, user_id=501),
        StorageKey(bot_id=42, chat_id=501, user_id=501, thread_id=7),
        StorageKey(bot_id=42, chat_id=501, user_id=501, business_connection_id="bc-1"),
        StorageKey(bot_id=42, chat_id=501, user_id=501, destiny="scene"),
    ],
    ids=["bot", "chat", "thread", "business", "destiny"],
)
async def test_every_part_of_the_key_separates_conversations(
    storage: BaseStorage, other: StorageKey
) -> None:
    await FSMContext(storage=storage, key=KEY).set_state(Wizard.prompt)
    await FSMContext(storage=storage, key=KEY).set_data({"prompt": "кот"})

    assert await FSMContext(storage=storage, key=other).get_state() is None
    assert await FSMContext(storage=storage, key=other).get_data() == {}


async def test_concurrent_update_data_loses_nothing(storage: BaseStorage) -> None:
    context = FSMContext(storage=storage, key=KEY)

    await asyncio.gather(*(context.update_data({f"photo_{n}": f"file-{n}"}) for n in range(8)))

    assert await context.get_data() == {f"photo_{n}": f"file-{n}" for n in range(8)}


async def test_non_json_data_is_refused(storage: BaseStorage) -> None:
    context = FSMContext(storage=storage, key=KEY)
    await context.set_data({"prompt": "кот"})

    with pytest.raises(ValueError, match="plain JSON"):
        await context.set_data({"size": (1024, 768)})
    with pytest.raises(ValueError, match="plain JSON"):
        await context.update_data(tags={"a", "b"})
    with pytest.raises(DataNotDictLikeError):
        await context.set_data([("prompt", "кот")])  # type: ignore[arg-type]

    assert await context.get_data() == {"prompt": "кот"}


async def test_state_survives_a_restart(db_url: str, clock: ManualClock) -> None:
    before = Database(db_url)
    try:
        states = ConversationStates(db=before, clock=clock)
        storage = build_fsm_storage(redis_url=None, states=states)
        context = FSMContext(storage=storage, key=KEY)
        await context.set_state(Wizard.confirm)
        await context.set_data({"prompt": "кот", "n": [1, 2]})
        await storage.close()
    finally:
        await before.dispose()

    after = Database(db_url)
    try:
        restarted = DatabaseFsmStorage(states=ConversationStates(db=after, clock=clock))
        context = FSMContext(storage=restarted, key=KEY)
        assert await context.get_state() == "Wizard:confirm"
        assert await context.get_data() == {"prompt": "кот", "n": [1, 2]}
    finally:
        await after.dispose()


@pytest.fixture
async def unused_states(tmp_path: Path, clock: ManualClock) -> AsyncIterator[ConversationStates]:
    """The factory needs a ConversationStates; with Redis configured it never touches it."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite3'}")
    yield ConversationStates(db=database, clock=clock)
    await database.dispose()


@pytest.fixture
def redis_key() -> StorageKey:
    """A bot id no other test uses, so cleanup removes only this test's keys."""
    return StorageKey(bot_id=10**12 + uuid.uuid4().int % 10**12, chat_id=501, user_id=501)


@pytest.fixture
async def redis_storage(
    unused_states: ConversationStates, redis_key: StorageKey
) -> AsyncIterator[RedisStorage]:
    storage = build_fsm_storage(redis_url=REDIS_URL, states=unused_states)
    assert isinstance(storage, RedisStorage)
    async with asyncio.timeout(REDIS_TIMEOUT_S):
        await storage.redis.ping()  # fails (never skips) when Redis is unreachable
    yield storage
    async with asyncio.timeout(REDIS_TIMEOUT_S):
        async for name in storage.redis.scan_iter(match=f"fsm:{redis_key.bot_id}:*"):
            await storage.redis.delete(name)
    await storage.close()


async def test_redis_storage_keeps_the_wizard_across_a_restart(
    redis_storage: RedisStorage, redis_key: StorageKey, unused_states: ConversationStates
) -> None:
    async with asyncio.timeout(REDIS_TIMEOUT_S):
        context = FSMContext(storage=redis_storage, key=redis_key)
        await context.set_state(Wizard.prompt)
        await context.update_data(prompt="кот в космосе", inputs={"images": ["file-1"]})

        restarted = build_fsm_storage(redis_url=REDIS_URL, states=unused_states)
        try:
            again = FSMContext(storage=restarted, key=redis_key)
            assert await again.get_state() == "Wizard:prompt"
            assert await again.get_data() == {
                "prompt": "кот в космосе",
                "inputs": {"images": ["file-1"]},
            }
        finally:
            await restarted.close()


async def test_redis_storage_keys_carry_the_bot_id_and_destiny(
    redis_storage: RedisStorage, redis_key: StorageKey
) -> None:
    async with asyncio.timeout(REDIS_TIMEOUT_S):
        await FSMContext(storage=redis_storage, key=redis_key).set_state(Wizard.prompt)

        names = [n async for n in redis_storage.redis.scan_iter(match=f"fsm:{redis_key.bot_id}:*")]

    assert names == [f"fsm:{redis_key.bot_id}:501:501:default:state".encode()]


async def test_redis_storage_refuses_non_json_data(
    redis_storage: RedisStorage, redis_key: StorageKey
) -> None:
    async with asyncio.timeout(REDIS_TIMEOUT_S):
        context = FSMContext(storage=redis_storage, key=redis_key)
        await context.set_data({"prompt": "кот"})

        with pytest.raises(ValueError, match="plain JSON"):
            await context.set_data({"size": (1024, 768)})

        assert await context.get_data() == {"prompt": "кот"}
