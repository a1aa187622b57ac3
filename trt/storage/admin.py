"""Admin reads and writes: the audit log, finding and banning users, and the figures behind
the operator's statistics. Repository functions never commit."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.jobs import JobStatus
from trt.domain.ledger import EntryKind
from trt.storage.tables import admin_audit, jobs, ledger_entries, payment_orders, users

OTHER_METHOD = "other"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    admin_id: int
    action: str
    target: str | None
    details: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class JobLine:
    id: int
    model_id: str
    status: str
    price: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class JobFigures:
    by_status: dict[str, int]
    top_models: list[tuple[str, int]]
    credits: Decimal
    seconds_to_result: list[float]


async def audit(
    tx: AsyncConnection,
    *,
    admin_id: int,
    action: str,
    target: str | None,
    details: dict[str, Any],
    now: datetime,
) -> None:
    await tx.execute(
        admin_audit.insert(),
        {
            "admin_id": admin_id,
            "action": action,
            "target": target,
            "details": details,
            "created_at": now,
        },
    )


async def audit_records(tx: AsyncConnection, *, limit: int = 50) -> list[AuditRecord]:
    rows = (
        await tx.execute(sa.select(admin_audit).order_by(admin_audit.c.id.desc()).limit(limit))
    ).mappings()
    return [
        AuditRecord(
            admin_id=row["admin_id"],
            action=row["action"],
            target=row["target"],
            details=dict(row["details"]),
            created_at=row["created_at"],
        )
        for row in rows
    ]


async def last_audit_at(tx: AsyncConnection, action: str) -> datetime | None:
    query = (
        sa.select(admin_audit.c.created_at)
        .where(admin_audit.c.action == action)
        .order_by(admin_audit.c.id.desc())
        .limit(1)
    )
    return (await tx.execute(query)).scalar()


async def user_id_by_username(tx: AsyncConnection, username: str) -> int | None:
    query = sa.select(users.c.id).where(sa.func.lower(users.c.username) == username.lower())
    return (await tx.execute(query.order_by(users.c.id).limit(1))).scalar()


async def set_banned(tx: AsyncConnection, user_id: int, banned: bool) -> bool:
    """True when the flag changed."""
    result = await tx.execute(
        sa.update(users)
        .where(users.c.id == user_id, users.c.is_banned.is_not(banned))
        .values(is_banned=banned)
    )
    return result.rowcount == 1


async def set_inactive(tx: AsyncConnection, user_id: int) -> None:
    await tx.execute(sa.update(users).where(users.c.id == user_id).values(is_active=False))


async def recent_jobs(tx: AsyncConnection, user_id: int, *, limit: int) -> list[JobLine]:
    query = (
        sa.select(jobs.c.id, jobs.c.model_id, jobs.c.status, jobs.c.price, jobs.c.created_at)
        .where(jobs.c.user_id == user_id)
        .order_by(jobs.c.id.desc())
        .limit(limit)
    )
    return [JobLine(**row) for row in (await tx.execute(query)).mappings()]


def _since(column: sa.ColumnElement[Any], since: datetime | None) -> sa.ColumnElement[bool]:
    return sa.true() if since is None else column >= since


async def new_users(tx: AsyncConnection, since: datetime | None) -> int:
    query = sa.select(sa.func.count()).select_from(users).where(_since(users.c.created_at, since))
    return int((await tx.execute(query)).scalar_one())


async def active_users(tx: AsyncConnection, since: datetime | None) -> int:
    """Users seen (any update) or with a job started since `since`."""
    with_job = sa.select(jobs.c.user_id).where(_since(jobs.c.created_at, since))
    query = (
        sa.select(sa.func.count())
        .select_from(users)
        .where(sa.or_(_since(users.c.last_seen_at, since), users.c.id.in_(with_job)))
    )
    return int((await tx.execute(query)).scalar_one())


async def topups_by_method(tx: AsyncConnection, since: datetime | None) -> dict[str, int]:
    """Kopecks credited by TOPUP entries, per payment method (`other` without an order)."""
    order_ref = sa.literal("order:") + sa.cast(payment_orders.c.id, sa.String)
    method = sa.func.coalesce(payment_orders.c.method, OTHER_METHOD)
    query = (
        sa.select(method, sa.func.sum(ledger_entries.c.available_delta))
        .select_from(
            ledger_entries.outerjoin(payment_orders, ledger_entries.c.reference == order_ref)
        )
        .where(
            ledger_entries.c.kind == EntryKind.TOPUP.value,
            _since(ledger_entries.c.created_at, since),
        )
        .group_by(method)
    )
    return {str(name): int(total) for name, total in (await tx.execute(query)).all()}


async def captured(tx: AsyncConnection, since: datetime | None) -> int:
    """Kopecks captured from holds (money earned by finished jobs)."""
    query = sa.select(sa.func.coalesce(sa.func.sum(-ledger_entries.c.held_delta), 0)).where(
        ledger_entries.c.kind == EntryKind.CAPTURE.value,
        _since(ledger_entries.c.created_at, since),
    )
    return int((await tx.execute(query)).scalar_one())


async def job_figures(tx: AsyncConnection, since: datetime | None, *, top: int) -> JobFigures:
    period = _since(jobs.c.created_at, since)
    by_status = {
        str(status): int(count)
        for status, count in await tx.execute(
            sa.select(jobs.c.status, sa.func.count()).where(period).group_by(jobs.c.status)
        )
    }
    count = sa.func.count().label("n")
    top_models = [
        (str(model), int(n))
        for model, n in await tx.execute(
            sa.select(jobs.c.model_id, count)
            .where(period)
            .group_by(jobs.c.model_id)
            .order_by(count.desc(), jobs.c.model_id)
            .limit(top)
        )
    ]
    succeeded = jobs.c.status == JobStatus.SUCCEEDED.value
    spent = sa.case(
        (jobs.c.credits_consumed.is_not(None), jobs.c.credits_consumed),
        (succeeded, jobs.c.credits_quoted),
        else_=None,
    )
    credits = (
        await tx.execute(sa.select(sa.func.coalesce(sa.func.sum(spent), 0)).where(period))
    ).scalar_one()
    timings = await tx.execute(
        sa.select(jobs.c.created_at, jobs.c.finished_at).where(
            period, succeeded, jobs.c.finished_at.is_not(None)
        )
    )
    return JobFigures(
        by_status=by_status,
        top_models=top_models,
        credits=Decimal(str(credits)),
        seconds_to_result=[(end - start).total_seconds() for start, end in timings],
    )
