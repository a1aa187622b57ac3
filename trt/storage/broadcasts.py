"""Broadcasts and their recipients. Repository functions never commit.

A recipient row moves pending → sending (leased) → sent | blocked | failed, or back to pending
with a "not before" time (`lease_until`) after a temporary failure; `attempts` counts claims. A
worker claims rows by setting a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent
workers take different rows); a crashed worker's rows become claimable again when the lease
runs out. A broadcast moves running → finishing (every recipient settled; the report is due)
→ done (the report went out).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.storage.tables import broadcast_recipients, broadcasts, users


class BroadcastStatus(StrEnum):
    RUNNING = "running"
    FINISHING = "finishing"
    DONE = "done"


class RecipientStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    admin_id: int
    language: str
    status: BroadcastStatus
    text: str | None
    photo_file_id: str | None
    total: int
    progress_message_id: int | None


@dataclass(frozen=True, slots=True)
class Claimed:
    broadcast_id: int
    user_id: int
    text: str | None
    photo_file_id: str | None
    attempts: int  # this claim included


async def create(
    tx: AsyncConnection,
    *,
    admin_id: int,
    language: str,
    text: str | None,
    photo_file_id: str | None,
    now: datetime,
) -> Broadcast:
    """The broadcast and one pending row per active, non-banned user."""
    broadcast_id = (
        await tx.execute(
            broadcasts.insert().returning(broadcasts.c.id),
            {
                "admin_id": admin_id,
                "language": language,
                "status": BroadcastStatus.RUNNING.value,
                "text": text,
                "photo_file_id": photo_file_id,
                "created_at": now,
            },
        )
    ).scalar_one()
    audience = sa.select(
        sa.literal(broadcast_id, sa.BigInteger),
        users.c.id,
        sa.literal(RecipientStatus.PENDING.value),
    ).where(users.c.is_active.is_(True), users.c.is_banned.is_(False))
    await tx.execute(
        broadcast_recipients.insert().from_select(["broadcast_id", "user_id", "status"], audience)
    )
    total = (
        await tx.execute(
            sa.select(sa.func.count()).where(broadcast_recipients.c.broadcast_id == broadcast_id)
        )
    ).scalar_one()
    await tx.execute(
        sa.update(broadcasts).where(broadcasts.c.id == broadcast_id).values(total=total)
    )
    found = await get(tx, broadcast_id)
    assert found is not None
    return found


async def get(tx: AsyncConnection, broadcast_id: int) -> Broadcast | None:
    row = (
        (await tx.execute(sa.select(broadcasts).where(broadcasts.c.id == broadcast_id)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return Broadcast(
        id=row["id"],
        admin_id=row["admin_id"],
        language=row["language"],
        status=BroadcastStatus(row["status"]),
        text=row["text"],
        photo_file_id=row["photo_file_id"],
        total=row["total"],
        progress_message_id=row["progress_message_id"],
    )


async def open_broadcasts(tx: AsyncConnection) -> list[Broadcast]:
    """Broadcasts still sending or with their report still due, oldest first."""
    open_ = [BroadcastStatus.RUNNING.value, BroadcastStatus.FINISHING.value]
    ids = (
        await tx.execute(
            sa.select(broadcasts.c.id)
            .where(broadcasts.c.status.in_(open_))
            .order_by(broadcasts.c.id)
        )
    ).scalars()
    found = [await get(tx, broadcast_id) for broadcast_id in list(ids)]
    return [broadcast for broadcast in found if broadcast is not None]


async def claim(
    tx: AsyncConnection, *, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    """Lease up to `limit` due recipients of running broadcasts, oldest broadcast first."""
    r = broadcast_recipients
    due = sa.or_(
        sa.and_(
            r.c.status == RecipientStatus.PENDING.value,
            sa.or_(r.c.lease_until.is_(None), r.c.lease_until <= now),
        ),
        sa.and_(r.c.status == RecipientStatus.SENDING.value, r.c.lease_until <= now),
    )
    query = (
        sa.select(
            r.c.broadcast_id,
            r.c.user_id,
            r.c.attempts,
            broadcasts.c.text,
            broadcasts.c.photo_file_id,
        )
        .select_from(r.join(broadcasts, broadcasts.c.id == r.c.broadcast_id))
        .where(due, broadcasts.c.status == BroadcastStatus.RUNNING.value)
        .order_by(r.c.broadcast_id, r.c.user_id)
        .limit(limit)
    )
    if tx.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=r)
    rows = list((await tx.execute(query)).mappings())
    for row in rows:
        await tx.execute(
            sa.update(r)
            .where(r.c.broadcast_id == row["broadcast_id"], r.c.user_id == row["user_id"])
            .values(
                status=RecipientStatus.SENDING.value,
                lease_until=now + lease,
                attempts=r.c.attempts + 1,
            )
        )
    return [Claimed(**{**row, "attempts": row["attempts"] + 1}) for row in rows]


def _leased(broadcast_id: int, user_id: int) -> sa.ColumnElement[bool]:
    r = broadcast_recipients
    return sa.and_(
        r.c.broadcast_id == broadcast_id,
        r.c.user_id == user_id,
        r.c.status == RecipientStatus.SENDING.value,
    )


async def mark(
    tx: AsyncConnection,
    *,
    broadcast_id: int,
    user_id: int,
    status: RecipientStatus,
    now: datetime,
) -> bool:
    """Settle a claimed recipient (sent, blocked or failed); False if it was not claimed."""
    result = await tx.execute(
        sa.update(broadcast_recipients)
        .where(_leased(broadcast_id, user_id))
        .values(status=status.value, lease_until=None, sent_at=now)
    )
    return result.rowcount == 1


async def retry_later(
    tx: AsyncConnection, *, broadcast_id: int, user_id: int, at: datetime
) -> bool:
    """Put a claimed recipient back, to be claimed again from `at`; False if not claimed."""
    result = await tx.execute(
        sa.update(broadcast_recipients)
        .where(_leased(broadcast_id, user_id))
        .values(status=RecipientStatus.PENDING.value, lease_until=at)
    )
    return result.rowcount == 1


async def release(tx: AsyncConnection, *, broadcast_id: int, user_id: int, now: datetime) -> None:
    """Give back a claimed recipient that was not tried: due at once, the claim not counted."""
    r = broadcast_recipients
    await tx.execute(
        sa.update(r)
        .where(_leased(broadcast_id, user_id))
        .values(status=RecipientStatus.PENDING.value, lease_until=now, attempts=r.c.attempts - 1)
    )


async def counts(tx: AsyncConnection, broadcast_id: int) -> dict[RecipientStatus, int]:
    r = broadcast_recipients
    rows = await tx.execute(
        sa.select(r.c.status, sa.func.count())
        .where(r.c.broadcast_id == broadcast_id)
        .group_by(r.c.status)
    )
    found = {RecipientStatus(status): int(n) for status, n in rows}
    return {status: found.get(status, 0) for status in RecipientStatus}


async def set_progress_message(tx: AsyncConnection, broadcast_id: int, message_id: int) -> None:
    await tx.execute(
        sa.update(broadcasts)
        .where(broadcasts.c.id == broadcast_id)
        .values(progress_message_id=message_id)
    )


async def finish_if_settled(tx: AsyncConnection, broadcast_id: int) -> bool:
    """running → finishing when no recipient is left to send (or to retry); True for the one
    caller that made the change."""
    r = broadcast_recipients
    left = sa.exists().where(
        r.c.broadcast_id == broadcast_id,
        r.c.status.in_([RecipientStatus.PENDING.value, RecipientStatus.SENDING.value]),
    )
    result = await tx.execute(
        sa.update(broadcasts)
        .where(
            broadcasts.c.id == broadcast_id,
            broadcasts.c.status == BroadcastStatus.RUNNING.value,
            ~left,
        )
        .values(status=BroadcastStatus.FINISHING.value)
    )
    return result.rowcount == 1


async def mark_reported(tx: AsyncConnection, broadcast_id: int, now: datetime) -> bool:
    """finishing → done once the report went out; True for the one caller that made it."""
    result = await tx.execute(
        sa.update(broadcasts)
        .where(
            broadcasts.c.id == broadcast_id,
            broadcasts.c.status == BroadcastStatus.FINISHING.value,
        )
        .values(status=BroadcastStatus.DONE.value, finished_at=now)
    )
    return result.rowcount == 1
