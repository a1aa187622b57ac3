"""aiogram FSM storages: the database by default, aiogram's RedisStorage when REDIS_URL is set.

Either way a wizard's state and data survive a restart or a deploy, and are shared by every
instance. `DatabaseFsmStorage` adapts aiogram's storage interface to ConversationStates; the
StorageKey becomes one string through aiogram's DefaultKeyBuilder with the bot id, business
connection and destiny, so none of them share a record. FSM data is plain JSON on both
storages: anything else raises ValueError (aiogram's DataNotDictLikeError for a non-dict) and
nothing is pickled. Money never lives here; balances and holds are in the ledger.
"""

import json
from collections.abc import Mapping
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from trt.services.conversation_state import ConversationStates, as_json_object


class DatabaseFsmStorage(BaseStorage):
    def __init__(self, *, states: ConversationStates) -> None:
        self._states = states
        self._keys = DefaultKeyBuilder(
            with_destiny=True, with_bot_id=True, with_business_connection_id=True
        )

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._states.set_state(self._keys.build(key), value)

    async def get_state(self, key: StorageKey) -> str | None:
        return await self._states.get_state(self._keys.build(key))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        _require_dict(data)
        await self._states.set_data(self._keys.build(key), data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return await self._states.get_data(self._keys.build(key))

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        # One locked read-merge-write instead of BaseStorage's get_data + set_data pair,
        # which loses an update when two messages of one album arrive together.
        return await self._states.update_data(self._keys.build(key), data)

    async def close(self) -> None:
        """Nothing to release: the Database belongs to the composition root, which disposes it."""


def build_fsm_storage(*, redis_url: str | None, states: ConversationStates) -> BaseStorage:
    """aiogram's RedisStorage when a Redis URL is configured, else the database storage."""
    if redis_url:
        return RedisStorage.from_url(
            redis_url,
            key_builder=DefaultKeyBuilder(with_destiny=True, with_bot_id=True),
            json_dumps=_dumps_plain_json,
        )
    return DatabaseFsmStorage(states=states)


def _dumps_plain_json(data: Mapping[str, Any]) -> str:
    return json.dumps(as_json_object(data))


def _require_dict(data: Mapping[str, Any]) -> None:
    # The same refusal as aiogram's own storages, so handlers behave alike on each of them.
    if not isinstance(data, dict):
        msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
        raise DataNotDictLikeError(msg)
