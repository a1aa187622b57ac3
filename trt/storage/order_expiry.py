"""Pending orders nobody will pay: a Stars invoice never paid, a manual transfer with no receipt.
Repository functions never commit.

One batch is a compare-and-set UPDATE (`status = 'pending'`, and still no receipt for a manual
order), so an order paid or given a receipt at the same moment is left alone. On PostgreSQL the
batch is chosen `FOR UPDATE SKIP LOCKED`, so instances running the worker together split the
work instead of queueing on the same rows. YooKassa orders are never touched here.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.payments import OrderStatus, PaymentMethod
from trt.storage.tables import payment_orders

o = payment_orders.c
EXPIRABLE = sa.and_(
    o.status == OrderStatus.PENDING.value,
    sa.or_(
        o.method == PaymentMethod.STARS.value,
        sa.and_(o.method == PaymentMethod.MANUAL.value, o.receipt_file_id.is_(None)),
    ),
)


async def expire_batch(
    tx: AsyncConnection, *, created_before: datetime, now: datetime, limit: int
) -> list[int]:
    """Move up to `limit` pending orders created before `created_before` to `expired`; returns
    their ids."""
    chosen = (
        sa.select(o.id).where(EXPIRABLE, o.created_at < created_before).order_by(o.id).limit(limit)
    )
    if tx.dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    ids = [row.id for row in await tx.execute(chosen)]
    if not ids:
        return []
    moved = await tx.execute(
        sa.update(payment_orders)
        .where(o.id.in_(ids), EXPIRABLE)
        .values(status=OrderStatus.EXPIRED.value, updated_at=now)
        .returning(o.id)
    )
    return sorted(row.id for row in moved)
