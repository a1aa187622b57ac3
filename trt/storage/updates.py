"""Telegram update ids seen, for at-most-once handling across instances and restarts."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.storage.tables import processed_updates
from trt.storage.upsert import insert_ignoring_conflict


async def claim(tx: AsyncConnection, *, bot_id: int, update_id: int, now: datetime) -> bool:
    """Record the update; False when it was already recorded (a duplicate)."""
    stmt = insert_ignoring_conflict(tx, processed_updates, conflict_on=["update_id", "bot_id"])
    result = await tx.execute(
        stmt.returning(processed_updates.c.update_id),
        {"update_id": update_id, "bot_id": bot_id, "received_at": now},
    )
    return result.scalar() is not None


async def prune(tx: AsyncConnection, *, before: datetime) -> int:
    result = await tx.execute(
        sa.delete(processed_updates).where(processed_updates.c.received_at < before)
    )
    return int(result.rowcount)
