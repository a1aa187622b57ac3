"""YooKassa orders: the payment each order made, and which pending ones are due a re-read.
Repository functions never commit.

An order's status still changes only by compare-and-set (`WHERE status = <expected>`). The
re-read schedule needs no column of its own: `updated_at` is when an order was last looked at,
and the tiers (by the order's age) say how long to wait before the next look. Claiming an order
moves its `updated_at` under the same condition, so two processes never re-read it at once.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.money import Kopecks
from trt.domain.payments import OrderStatus, PaymentMethod
from trt.domain.yookassa import CheckTier
from trt.storage.tables import payment_orders, users

_YOOKASSA = payment_orders.c.method == PaymentMethod.YOOKASSA.value
_PENDING = payment_orders.c.status == OrderStatus.PENDING.value


@dataclass(frozen=True, slots=True)
class CardOrder:
    id: int
    user_id: int
    amount: Kopecks  # what YooKassa charges, in kopecks
    credit: Kopecks  # what the balance receives
    status: OrderStatus
    payment_id: str | None
    confirmation_url: str | None
    created_at: datetime


async def card_order(tx: AsyncConnection, order_id: int) -> CardOrder | None:
    return await _one(tx, payment_orders.c.id == order_id)


async def order_by_payment(tx: AsyncConnection, payment_id: str) -> CardOrder | None:
    return await _one(tx, payment_orders.c.external_id == payment_id)


async def attach_payment(
    tx: AsyncConnection,
    *,
    order_id: int,
    payment_id: str,
    confirmation_url: str | None,
    now: datetime,
) -> bool:
    """Remember the YooKassa payment of a pending order (once); False otherwise."""
    done = (
        await tx.execute(
            sa.update(payment_orders)
            .where(
                payment_orders.c.id == order_id,
                _PENDING,
                payment_orders.c.external_id.is_(None),
            )
            .values(external_id=payment_id, confirmation_url=confirmation_url, updated_at=now)
            .returning(payment_orders.c.id)
        )
    ).first()
    return done is not None


async def mark_paid(tx: AsyncConnection, *, order_id: int, now: datetime) -> bool:
    """pending -> paid; False when the order was not pending."""
    done = (
        await tx.execute(
            sa.update(payment_orders)
            .where(payment_orders.c.id == order_id, _PENDING)
            .values(status=OrderStatus.PAID.value, paid_at=now, updated_at=now)
            .returning(payment_orders.c.id)
        )
    ).first()
    return done is not None


async def claim_due(
    tx: AsyncConnection, *, now: datetime, tiers: Sequence[CheckTier], limit: int
) -> list[CardOrder]:
    """Pending YooKassa orders whose next re-read is due, marked as looked at now.

    At most `limit`, least recently looked at first; orders older than the last tier are left.
    """
    due = _due(now, tiers)
    ids = (
        (
            await tx.execute(
                sa.select(payment_orders.c.id)
                .where(_YOOKASSA, _PENDING, payment_orders.c.external_id.is_not(None), due)
                .order_by(payment_orders.c.updated_at)
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    claimed = []
    for order_id in ids:
        won = (
            await tx.execute(
                sa.update(payment_orders)
                .where(payment_orders.c.id == order_id, _PENDING, due)
                .values(updated_at=now)
                .returning(payment_orders.c.id)
            )
        ).first()
        order = await card_order(tx, order_id) if won is not None else None
        if order is not None:
            claimed.append(order)
    return claimed


async def unlinked_before(tx: AsyncConnection, *, before: datetime, limit: int) -> list[int]:
    """Pending YooKassa orders that never got a payment (a crash between the two steps)."""
    query = (
        sa.select(payment_orders.c.id)
        .where(
            _YOOKASSA,
            _PENDING,
            payment_orders.c.external_id.is_(None),
            payment_orders.c.created_at < before,
        )
        .order_by(payment_orders.c.id)
        .limit(limit)
    )
    return list((await tx.execute(query)).scalars().all())


async def receipt_contact(tx: AsyncConnection, user_id: int) -> str | None:
    found: str | None = (
        await tx.execute(sa.select(users.c.receipt_contact).where(users.c.id == user_id))
    ).scalar()
    return found


async def set_receipt_contact(tx: AsyncConnection, *, user_id: int, contact: str) -> None:
    await tx.execute(sa.update(users).where(users.c.id == user_id).values(receipt_contact=contact))


def _due(now: datetime, tiers: Sequence[CheckTier]) -> sa.ColumnElement[bool]:
    """The order's age puts it in a tier; it is due when its tier's pause has passed."""
    created, seen = payment_orders.c.created_at, payment_orders.c.updated_at
    clauses = []
    older_than = timedelta(0)
    for tier in tiers:
        clauses.append(
            sa.and_(
                created > now - tier.younger_than,
                created <= now - older_than,
                seen <= now - tier.every,
            )
        )
        older_than = tier.younger_than
    return sa.or_(*clauses)


async def _one(tx: AsyncConnection, condition: sa.ColumnElement[bool]) -> CardOrder | None:
    row = (
        (await tx.execute(sa.select(payment_orders).where(_YOOKASSA, condition))).mappings().first()
    )
    if row is None:
        return None
    return CardOrder(
        id=row["id"],
        user_id=row["user_id"],
        amount=Kopecks(row["amount"]),
        credit=Kopecks(row["credit"]),
        status=OrderStatus(row["status"]),
        payment_id=row["external_id"],
        confirmation_url=row["confirmation_url"],
        created_at=row["created_at"],
    )
