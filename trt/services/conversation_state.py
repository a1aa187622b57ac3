"""Conversation state (the bot's FSM) kept in the database, so a wizard survives a restart.

Keys are opaque strings chosen by the transport (the aiogram adapter renders its StorageKey).
The data is a JSON object and nothing else: a value that would not come back from JSON equal
to what went in (a datetime, a set, a tuple, a non-string key, NaN) or that PostgreSQL cannot
store (a NUL character) is refused with ValueError before anything is written; nothing is
pickled or silently converted, and both engines accept exactly the same data. Each call is one
short transaction. `update_data` merges under the row lock, so concurrent partial updates of
one key (an album arriving as several messages) lose nothing.
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

from trt.services.ports import Clock
from trt.storage import fsm
from trt.storage.database import Database


class ConversationStates:
    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get_state(self, key: str) -> str | None:
        async with self._db.read() as tx:
            record = await fsm.get_record(tx, key)
        return None if record is None else record.state

    async def set_state(self, key: str, state: str | None) -> None:
        """Replace the state; None ends the conversation's step but keeps its data."""
        async with self._db.transaction() as tx:
            await fsm.set_state(tx, key=key, state=state, now=self._clock.now())
            if state is None:
                await fsm.delete_if_blank(tx, key)

    async def get_data(self, key: str) -> dict[str, Any]:
        async with self._db.read() as tx:
            record = await fsm.get_record(tx, key)
        return {} if record is None else record.data

    async def set_data(self, key: str, data: Mapping[str, Any]) -> None:
        """Replace the data; the state is kept."""
        payload = as_json_object(data)
        async with self._db.transaction() as tx:
            await fsm.set_data(tx, key=key, data=payload, now=self._clock.now())
            if not payload:
                await fsm.delete_if_blank(tx, key)

    async def update_data(self, key: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Merge `data` into the stored data (like dict.update) and return the result."""
        patch = as_json_object(data)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            record = await fsm.lock_record(tx, key=key, now=now)
            merged = record.data | patch
            await fsm.set_data(tx, key=key, data=merged, now=now)
            if not merged:
                await fsm.delete_if_blank(tx, key)
        return merged

    async def clear(self, key: str) -> None:
        """Forget the conversation: no state, no data."""
        async with self._db.transaction() as tx:
            await fsm.delete(tx, key)


def as_json_object(data: Mapping[str, Any]) -> dict[str, Any]:
    """A fresh copy of `data` after a JSON round trip; ValueError if it is not plain JSON.

    Public so that another FSM storage (aiogram's RedisStorage) can apply the same rule.
    """
    plain = dict(data)
    try:
        loaded: dict[str, Any] = json.loads(json.dumps(plain, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"conversation data must be plain JSON: {exc}") from exc
    if loaded != plain:
        raise ValueError(
            "conversation data must be plain JSON: it changes in a JSON round trip"
            " (tuples, non-string keys)"
        )
    if any("\x00" in text for text in _strings(loaded)):
        raise ValueError("conversation data must not contain NUL characters")
    return loaded


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, object keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield name
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
