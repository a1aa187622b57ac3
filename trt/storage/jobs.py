"""Generation jobs. Status changes are compare-and-set: an update names the statuses it may
leave, so a repeated or late event finds nothing to change and is a harmless no-op.

Due jobs are claimed with a lease: the claiming transaction pushes `next_check_at` forward by
the lease, so other reconcilers skip the job while this one works on it, and a crashed worker's
jobs come due again when the lease runs out. On PostgreSQL the claim uses
`FOR UPDATE SKIP LOCKED`, so several processes claim disjoint sets without waiting.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.jobs import IN_FLIGHT, FailReason, JobStatus
from trt.storage.tables import jobs


@dataclass(frozen=True, slots=True)
class NewJob:
    user_id: int
    chat_id: int
    model_id: str
    family: str
    is_free: bool
    price: int
    sku: str
    credits_quoted: Decimal
    inputs: Mapping[str, Any]
    correlation_id: str
    deadline_at: datetime
    request_key: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    user_id: int
    chat_id: int
    model_id: str
    family: str
    status: JobStatus
    is_free: bool
    price: int
    sku: str | None
    inputs: dict[str, Any]
    correlation_id: str
    task_id: str | None
    submit_attempts: int
    check_count: int
    next_check_at: datetime | None
    deadline_at: datetime
    result: dict[str, Any] | None
    fail_reason: FailReason | None
    fail_code: str | None
    fail_message: str | None
    credits_consumed: Decimal | None
    status_message_id: int | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    finished_at: datetime | None


async def nth_latest_start(tx: AsyncConnection, user_id: int, n: int) -> datetime | None:
    """When the user's `n`-th most recent job was created (None: fewer jobs). Reads at most `n`
    rows through the (user_id, id) index, however many jobs the user has."""
    latest = (
        sa.select(jobs.c.created_at)
        .where(jobs.c.user_id == user_id)
        .order_by(jobs.c.id.desc())
        .limit(n)
        .subquery()
    )
    row = (await tx.execute(sa.select(sa.func.count(), sa.func.min(latest.c.created_at)))).one()
    count, oldest = int(row[0]), row[1]
    return oldest if count >= n else None


async def create(tx: AsyncConnection, job: NewJob, *, now: datetime) -> int:
    values = {
        "user_id": job.user_id,
        "chat_id": job.chat_id,
        "model_id": job.model_id,
        "family": job.family,
        "status": JobStatus.PENDING.value,
        "is_free": job.is_free,
        "price": job.price,
        "sku": job.sku,
        "credits_quoted": job.credits_quoted,
        "inputs": dict(job.inputs),
        "correlation_id": job.correlation_id,
        "next_check_at": now,
        "deadline_at": job.deadline_at,
        "request_key": job.request_key,
        "created_at": now,
        "updated_at": now,
    }
    job_id = (await tx.execute(jobs.insert().returning(jobs.c.id), values)).scalar_one()
    return int(job_id)


async def get(tx: AsyncConnection, job_id: int) -> Job | None:
    row = (await tx.execute(sa.select(jobs).where(jobs.c.id == job_id))).mappings().first()
    return None if row is None else _to_job(row)


async def get_by_request(tx: AsyncConnection, request_key: str) -> Job | None:
    query = sa.select(jobs).where(jobs.c.request_key == request_key)
    row = (await tx.execute(query)).mappings().first()
    return None if row is None else _to_job(row)


async def get_by_task(tx: AsyncConnection, task_id: str) -> Job | None:
    row = (await tx.execute(sa.select(jobs).where(jobs.c.task_id == task_id))).mappings().first()
    return None if row is None else _to_job(row)


async def move(
    tx: AsyncConnection,
    job_id: int,
    *,
    to: JobStatus,
    sources: Iterable[JobStatus],
    now: datetime,
    **fields: Any,
) -> bool:
    """Compare-and-set: move the job to `to` only if it is in one of `sources` now."""
    result = await tx.execute(
        sa.update(jobs)
        .where(jobs.c.id == job_id, jobs.c.status.in_([s.value for s in sources]))
        .values(status=to.value, updated_at=now, **fields)
    )
    return result.rowcount == 1


async def update_in_flight(
    tx: AsyncConnection, job_id: int, *, now: datetime, **fields: Any
) -> bool:
    """Change bookkeeping fields of a job that is still in flight (never a terminal one)."""
    result = await tx.execute(
        sa.update(jobs)
        .where(jobs.c.id == job_id, jobs.c.status.in_([s.value for s in IN_FLIGHT]))
        .values(updated_at=now, **fields)
    )
    return result.rowcount == 1


async def wake_checked(
    tx: AsyncConnection,
    *,
    id_tasks: Collection[tuple[int, str]] = (),
    ids: Collection[int] = (),
    task_ids: Collection[str] = (),
    now: datetime,
) -> list[tuple[int, str]]:
    """Make due now the named jobs that are submitted or running (have a stored task id; never
    a pending one) and not due already. A job is named by (id, task id), by id, or by task id.
    Returns (id, task id) of each job made due."""
    named = _named(tx, id_tasks=id_tasks, ids=ids, task_ids=task_ids)
    if named is None:
        return []
    checked = [JobStatus.SUBMITTED.value, JobStatus.RUNNING.value]
    result = await tx.execute(
        sa.update(jobs)
        .where(jobs.c.status.in_(checked), jobs.c.next_check_at > now, named)
        .values(next_check_at=now)
        .returning(jobs.c.id, jobs.c.task_id)
    )
    return [(int(row[0]), str(row[1])) for row in result]


async def states_of(
    tx: AsyncConnection, *, ids: Collection[int] = (), task_ids: Collection[str] = ()
) -> list[tuple[int, str | None, JobStatus]]:
    """(id, task id, status) of the jobs with one of `ids` or `task_ids`."""
    named = _named(tx, ids=ids, task_ids=task_ids)
    if named is None:
        return []
    query = sa.select(jobs.c.id, jobs.c.task_id, jobs.c.status).where(named)
    return [(int(row[0]), row[1], JobStatus(row[2])) for row in await tx.execute(query)]


def _named(
    tx: AsyncConnection,
    *,
    id_tasks: Collection[tuple[int, str]] = (),
    ids: Collection[int] = (),
    task_ids: Collection[str] = (),
) -> sa.ColumnElement[bool] | None:
    """Jobs named by (id, task id), by id, or by task id. On PostgreSQL the lists go as arrays:
    one statement text whatever their lengths, so the prepared statement is reused."""
    if not (id_tasks or ids or task_ids):
        return None
    if tx.dialect.name == "postgresql":
        pairs = (
            sa.func.unnest(
                sa.literal([job_id for job_id, _ in id_tasks], ARRAY(sa.BigInteger)),
                sa.literal([task_id for _, task_id in id_tasks], ARRAY(sa.Text)),
            )
            .table_valued("job_id", "task_id")
            .render_derived()
        )
        return sa.or_(
            sa.tuple_(jobs.c.id, jobs.c.task_id).in_(sa.select(pairs.c.job_id, pairs.c.task_id)),
            jobs.c.id == sa.any_(sa.literal(list(ids), ARRAY(sa.BigInteger))),
            jobs.c.task_id == sa.any_(sa.literal(list(task_ids), ARRAY(sa.Text))),
        )
    named = []
    if id_tasks:
        named.append(sa.tuple_(jobs.c.id, jobs.c.task_id).in_(list(id_tasks)))
    if ids:
        named.append(jobs.c.id.in_(list(ids)))
    if task_ids:
        named.append(jobs.c.task_id.in_(list(task_ids)))
    return sa.or_(*named)


async def set_status_message(tx: AsyncConnection, job_id: int, message_id: int) -> None:
    await tx.execute(
        sa.update(jobs).where(jobs.c.id == job_id).values(status_message_id=message_id)
    )


async def claim_due(
    tx: AsyncConnection, *, now: datetime, lease: timedelta, limit: int
) -> list[Job]:
    """Take up to `limit` in-flight jobs whose check is due, leasing them for `lease`."""
    query = (
        sa.select(jobs)
        .where(jobs.c.status.in_([s.value for s in IN_FLIGHT]), jobs.c.next_check_at <= now)
        .order_by(jobs.c.next_check_at)
        .limit(limit)
    )
    if tx.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [_to_job(row) for row in (await tx.execute(query)).mappings()]
    if rows:
        await tx.execute(
            sa.update(jobs)
            .where(jobs.c.id.in_([job.id for job in rows]))
            .values(next_check_at=now + lease)
        )
    return rows


async def count_in_flight(tx: AsyncConnection) -> int:
    query = sa.select(sa.func.count()).where(jobs.c.status.in_([s.value for s in IN_FLIGHT]))
    return int((await tx.execute(query)).scalar_one())


async def list_for_user(
    tx: AsyncConnection, user_id: int, *, limit: int, before_id: int | None = None
) -> list[Job]:
    query = sa.select(jobs).where(jobs.c.user_id == user_id)
    if before_id is not None:
        query = query.where(jobs.c.id < before_id)
    rows = await tx.execute(query.order_by(jobs.c.id.desc()).limit(limit))
    return [_to_job(row) for row in rows.mappings()]


def _to_job(row: sa.RowMapping) -> Job:
    return Job(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        model_id=row["model_id"],
        family=row["family"],
        status=JobStatus(row["status"]),
        is_free=row["is_free"],
        price=row["price"],
        sku=row["sku"],
        inputs=dict(row["inputs"]),
        correlation_id=row["correlation_id"],
        task_id=row["task_id"],
        submit_attempts=row["submit_attempts"],
        check_count=row["check_count"],
        next_check_at=row["next_check_at"],
        deadline_at=row["deadline_at"],
        result=row["result"],
        fail_reason=FailReason(row["fail_reason"]) if row["fail_reason"] else None,
        fail_code=row["fail_code"],
        fail_message=row["fail_message"],
        credits_consumed=row["credits_consumed"],
        status_message_id=row["status_message_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        submitted_at=row["submitted_at"],
        finished_at=row["finished_at"],
    )
