"""The free-use ledger: +1 per started free job, -1 when it fails; keyed like money entries."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.storage.tables import free_uses
from trt.storage.upsert import insert_ignoring_conflict


async def used_on(tx: AsyncConnection, user_id: int, day: date) -> int:
    total = await tx.execute(
        sa.select(sa.func.coalesce(sa.func.sum(free_uses.c.delta), 0)).where(
            free_uses.c.user_id == user_id, free_uses.c.day == day
        )
    )
    return int(total.scalar_one())


async def record(
    tx: AsyncConnection, *, user_id: int, day: date, delta: int, key: str, now: datetime
) -> bool:
    """Add an entry; False when the key was already used (a repeat changes nothing)."""
    stmt = insert_ignoring_conflict(tx, free_uses, conflict_on=["idempotency_key"])
    result = await tx.execute(
        stmt.returning(free_uses.c.id),
        {"user_id": user_id, "day": day, "delta": delta, "idempotency_key": key, "created_at": now},
    )
    return result.scalar() is not None


async def day_of(tx: AsyncConnection, key: str) -> date | None:
    """The day an entry was counted on (a refund goes back to the same day)."""
    query = sa.select(free_uses.c.day).where(free_uses.c.idempotency_key == key)
    value = (await tx.execute(query)).scalar()
    return value if isinstance(value, date) else None
