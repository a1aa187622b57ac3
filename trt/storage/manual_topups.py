"""Manual transfer orders: the receipt, the admin queue and the decision. Repository functions
never commit.

Each change is a compare-and-set on the row (`status = 'pending'`, plus the receipt's presence),
so of two admins pressing at once exactly one moves the order; the other learns it from the
returned bool and reads who decided.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.manual_topups import ManualOrder, ReceiptKind
from trt.domain.payments import OrderStatus, PaymentMethod
from trt.storage.payments import order_from_row
from trt.storage.tables import payment_orders

MANUAL = payment_orders.c.method == PaymentMethod.MANUAL.value
PENDING = payment_orders.c.status == OrderStatus.PENDING.value
HAS_RECEIPT = payment_orders.c.receipt_file_id.is_not(None)


async def get(tx: AsyncConnection, order_id: int) -> ManualOrder | None:
    """The manual order with this id (None for an unknown id or another method's order)."""
    row = (
        (await tx.execute(sa.select(payment_orders).where(payment_orders.c.id == order_id, MANUAL)))
        .mappings()
        .first()
    )
    return None if row is None else _to_manual(row)


async def attach_receipt(
    tx: AsyncConnection,
    *,
    order_id: int,
    user_id: int,
    file_id: str,
    kind: ReceiptKind,
    now: datetime,
) -> bool:
    """Store the first receipt of the user's pending order; False otherwise (not theirs, not
    pending any more, or a receipt is already there)."""
    moved = (
        await tx.execute(
            sa.update(payment_orders)
            .where(
                payment_orders.c.id == order_id,
                payment_orders.c.user_id == user_id,
                MANUAL,
                PENDING,
                payment_orders.c.receipt_file_id.is_(None),
            )
            .values(receipt_file_id=file_id, receipt_kind=kind.value, updated_at=now)
            .returning(payment_orders.c.id)
        )
    ).first()
    return moved is not None


async def mark_approved(
    tx: AsyncConnection, *, order_id: int, admin_id: int, now: datetime
) -> bool:
    """pending (with a receipt) -> paid; False when someone decided first."""
    return await _decide(tx, order_id, OrderStatus.PAID, admin_id=admin_id, now=now, paid_at=now)


async def mark_rejected(
    tx: AsyncConnection, *, order_id: int, admin_id: int, now: datetime
) -> bool:
    """pending (with a receipt) -> rejected; False when someone decided first."""
    return await _decide(tx, order_id, OrderStatus.REJECTED, admin_id=admin_id, now=now)


async def queue(tx: AsyncConnection, *, limit: int) -> list[ManualOrder]:
    """Orders waiting for an admin, oldest first."""
    rows = (
        await tx.execute(
            sa.select(payment_orders)
            .where(MANUAL, PENDING, HAS_RECEIPT)
            .order_by(payment_orders.c.id)
            .limit(limit)
        )
    ).mappings()
    return [_to_manual(row) for row in rows]


async def queue_size(tx: AsyncConnection) -> int:
    query = (
        sa.select(sa.func.count()).select_from(payment_orders).where(MANUAL, PENDING, HAS_RECEIPT)
    )
    return int((await tx.execute(query)).scalar_one())


async def _decide(
    tx: AsyncConnection,
    order_id: int,
    target: OrderStatus,
    *,
    admin_id: int,
    now: datetime,
    **values: object,
) -> bool:
    moved = (
        await tx.execute(
            sa.update(payment_orders)
            .where(payment_orders.c.id == order_id, MANUAL, PENDING, HAS_RECEIPT)
            .values(
                status=target.value, decided_by=admin_id, decided_at=now, updated_at=now, **values
            )
            .returning(payment_orders.c.id)
        )
    ).first()
    return moved is not None


def _to_manual(row: sa.RowMapping) -> ManualOrder:
    kind = row["receipt_kind"]
    return ManualOrder(
        order=order_from_row(row),
        receipt_file_id=row["receipt_file_id"],
        receipt_kind=ReceiptKind(kind) if kind else None,
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
    )
