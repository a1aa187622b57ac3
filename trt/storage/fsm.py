"""FSM records: one row per conversation key, holding the current state and the JSON data.

State and data are written independently (aiogram sets them in separate calls), each by one
upsert on the key, so the first write creates the row and later writes change only their own
column. A row with no state and empty data carries nothing; `delete_if_blank` removes it, so
the table holds only conversations in progress.

`lock_record` makes a read-modify-write of one key atomic: it creates the row if it is missing
and then reads it `FOR UPDATE`, so on PostgreSQL a second writer waits for the first to commit;
on SQLite the write transaction (BEGIN IMMEDIATE) already excludes other writers.
Repository functions never commit.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.storage.tables import fsm_records
from trt.storage.upsert import insert_ignoring_conflict, upsert


@dataclass(frozen=True, slots=True)
class FsmRecord:
    key: str
    state: str | None
    data: dict[str, Any]
    updated_at: datetime


async def get_record(tx: AsyncConnection, key: str) -> FsmRecord | None:
    query = sa.select(fsm_records).where(fsm_records.c.key == key)
    row = (await tx.execute(query)).mappings().first()
    return None if row is None else _to_record(row)


async def lock_record(tx: AsyncConnection, *, key: str, now: datetime) -> FsmRecord:
    """The key's row, created blank if missing and locked until the transaction ends."""
    await tx.execute(
        insert_ignoring_conflict(tx, fsm_records, conflict_on=["key"]),
        {"key": key, "state": None, "data": {}, "updated_at": now},
    )
    query = sa.select(fsm_records).where(fsm_records.c.key == key).with_for_update()
    return _to_record((await tx.execute(query)).mappings().one())


async def set_state(tx: AsyncConnection, *, key: str, state: str | None, now: datetime) -> None:
    """Replace the state; the data is left as it is (empty for a new key)."""
    await tx.execute(
        upsert(tx, fsm_records, conflict_on=["key"], update=["state", "updated_at"]),
        {"key": key, "state": state, "data": {}, "updated_at": now},
    )


async def set_data(tx: AsyncConnection, *, key: str, data: dict[str, Any], now: datetime) -> None:
    """Replace the data; the state is left as it is (none for a new key)."""
    await tx.execute(
        upsert(tx, fsm_records, conflict_on=["key"], update=["data", "updated_at"]),
        {"key": key, "state": None, "data": data, "updated_at": now},
    )


async def delete(tx: AsyncConnection, key: str) -> None:
    await tx.execute(sa.delete(fsm_records).where(fsm_records.c.key == key))


async def delete_if_blank(tx: AsyncConnection, key: str) -> None:
    """Remove the key's row if it has neither a state nor any data."""
    await tx.execute(
        sa.delete(fsm_records).where(
            fsm_records.c.key == key,
            fsm_records.c.state.is_(None),
            fsm_records.c.data == sa.type_coerce({}, fsm_records.c.data.type),
        )
    )


def _to_record(row: sa.RowMapping) -> FsmRecord:
    return FsmRecord(
        key=row["key"], state=row["state"], data=row["data"], updated_at=row["updated_at"]
    )
