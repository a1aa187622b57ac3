"""Delivery claims: one row per succeeded job, the record that makes delivery happen once.

    pending ──claim──▶ sending ──▶ sent
       ▲                  │  └────▶ failed
       └──retry (due_at)──┘

A worker claims due rows with a lease: `sending`, `lease_until = now + lease`, `attempts += 1`.
Other workers skip a leased row; a crashed worker's row becomes claimable again once its lease
has run out. On PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so concurrent workers take
disjoint rows without waiting; on SQLite the write transaction (BEGIN IMMEDIATE) serialises them.

`message_ids` is the progress of the current delivery: one Telegram message id per result file
already in the chat, in file order, so a retry resumes after them instead of resending.
Every change is a compare-and-set on `status` (and, where a stale worker could clobber a newer
claim, on `attempts`, the claim's fencing token). Functions never commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.storage.tables import deliveries, jobs, users
from trt.storage.upsert import insert_ignoring_conflict


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A leased delivery with what is needed to send it."""

    job_id: int
    attempts: int  # this claim's number: the fencing token for later updates
    lease_until: datetime
    message_ids: list[int]  # files already delivered, in order
    chat_id: int
    model_id: str
    correlation_id: str
    result: dict[str, Any] | None
    language: str | None


@dataclass(frozen=True, slots=True)
class Delivery:
    job_id: int
    status: DeliveryStatus
    attempts: int
    due_at: datetime
    lease_until: datetime | None
    last_error: str | None
    message_ids: list[int]
    sent_at: datetime | None


async def enqueue(tx: AsyncConnection, job_id: int, now: datetime) -> bool:
    """Queue the job's delivery, due now; False (and no change) if it is already queued."""
    values = {
        "job_id": job_id,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "due_at": now,
        "created_at": now,
        "updated_at": now,
    }
    result = await tx.execute(
        insert_ignoring_conflict(tx, deliveries, conflict_on=["job_id"]), values
    )
    return result.rowcount == 1


async def claim_due(
    tx: AsyncConnection, now: datetime, lease: timedelta, limit: int
) -> list[ClaimedDelivery]:
    """Lease up to `limit` due rows: pending and due, or sending with an expired lease."""
    due = sa.or_(
        sa.and_(deliveries.c.status == DeliveryStatus.PENDING.value, deliveries.c.due_at <= now),
        sa.and_(
            deliveries.c.status == DeliveryStatus.SENDING.value, deliveries.c.lease_until <= now
        ),
    )
    query = (
        sa.select(
            deliveries.c.job_id,
            deliveries.c.attempts,
            deliveries.c.message_ids,
            jobs.c.chat_id,
            jobs.c.model_id,
            jobs.c.correlation_id,
            jobs.c.result,
            users.c.language,
        )
        .select_from(
            deliveries.join(jobs, jobs.c.id == deliveries.c.job_id).join(
                users, users.c.id == jobs.c.user_id
            )
        )
        .where(due)
        .order_by(deliveries.c.due_at, deliveries.c.job_id)
        .limit(limit)
    )
    if tx.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=deliveries)
    rows = list((await tx.execute(query)).mappings())
    if not rows:
        return []
    lease_until = now + lease
    await tx.execute(
        sa.update(deliveries)
        .where(deliveries.c.job_id.in_([row["job_id"] for row in rows]))
        .values(
            status=DeliveryStatus.SENDING.value,
            lease_until=lease_until,
            attempts=deliveries.c.attempts + 1,
            updated_at=now,
        )
    )
    return [_to_claim(row, lease_until) for row in rows]


async def record_progress(
    tx: AsyncConnection, job_id: int, message_ids: Sequence[int], *, attempt: int, now: datetime
) -> bool:
    """Save the ids of the files delivered so far; False if this claim is no longer current."""
    result = await tx.execute(
        sa.update(deliveries)
        .where(_current_claim(job_id, attempt))
        .values(message_ids=list(message_ids), updated_at=now)
    )
    return result.rowcount == 1


async def mark_sent(
    tx: AsyncConnection, job_id: int, message_ids: Sequence[int], now: datetime
) -> bool:
    """`sending` → `sent`, whichever claim sent it; False if it was not `sending`."""
    result = await tx.execute(
        sa.update(deliveries)
        .where(
            deliveries.c.job_id == job_id,
            deliveries.c.status == DeliveryStatus.SENDING.value,
        )
        .values(
            status=DeliveryStatus.SENT.value,
            message_ids=list(message_ids),
            lease_until=None,
            last_error=None,
            sent_at=now,
            updated_at=now,
        )
    )
    return result.rowcount == 1


async def mark_retry(
    tx: AsyncConnection,
    job_id: int,
    error: str,
    due_at: datetime,
    now: datetime,
    *,
    attempt: int | None = None,
) -> bool:
    """`sending` → `pending`, due again at `due_at` (only for claim `attempt` when given)."""
    result = await tx.execute(
        sa.update(deliveries)
        .where(_current_claim(job_id, attempt))
        .values(
            status=DeliveryStatus.PENDING.value,
            due_at=due_at,
            lease_until=None,
            last_error=error,
            updated_at=now,
        )
    )
    return result.rowcount == 1


async def mark_failed(
    tx: AsyncConnection, job_id: int, error: str, now: datetime, *, attempt: int | None = None
) -> bool:
    """`sending` → `failed` for good (only for claim `attempt` when given)."""
    result = await tx.execute(
        sa.update(deliveries)
        .where(_current_claim(job_id, attempt))
        .values(
            status=DeliveryStatus.FAILED.value,
            lease_until=None,
            last_error=error,
            updated_at=now,
        )
    )
    return result.rowcount == 1


async def get(tx: AsyncConnection, job_id: int) -> Delivery | None:
    query = sa.select(deliveries).where(deliveries.c.job_id == job_id)
    row = (await tx.execute(query)).mappings().first()
    if row is None:
        return None
    return Delivery(
        job_id=row["job_id"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        due_at=row["due_at"],
        lease_until=row["lease_until"],
        last_error=row["last_error"],
        message_ids=_ids(row["message_ids"]),
        sent_at=row["sent_at"],
    )


def _current_claim(job_id: int, attempt: int | None) -> sa.ColumnElement[bool]:
    condition = sa.and_(
        deliveries.c.job_id == job_id, deliveries.c.status == DeliveryStatus.SENDING.value
    )
    if attempt is not None:
        condition = sa.and_(condition, deliveries.c.attempts == attempt)
    return condition


def _ids(value: Any) -> list[int]:
    return [int(item) for item in value] if isinstance(value, list) else []


def _to_claim(row: sa.RowMapping, lease_until: datetime) -> ClaimedDelivery:
    return ClaimedDelivery(
        job_id=row["job_id"],
        attempts=row["attempts"] + 1,
        lease_until=lease_until,
        message_ids=_ids(row["message_ids"]),
        chat_id=row["chat_id"],
        model_id=row["model_id"],
        correlation_id=row["correlation_id"],
        result=row["result"],
        language=row["language"],
    )
