"""Payment orders and the referral link between users. Repository functions never commit.

An order's status changes only by compare-and-set (`WHERE status = <expected>`), so of two
concurrent attempts exactly one wins; the caller learns which from the returned bool.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.ledger import REFERRAL_BONUS_PREFIX, EntryKind
from trt.domain.money import Kopecks
from trt.domain.payments import OrderStatus, PaymentMethod, PaymentOrder
from trt.storage.tables import ledger_entries, payment_orders, users

REFERRAL_CHAIN_LIMIT = 64  # longer chains are not walked (and are refused as a possible cycle)


async def create_order(
    tx: AsyncConnection,
    *,
    user_id: int,
    method: PaymentMethod,
    currency: str,
    amount: int,
    credit: int,
    payload: str,
    now: datetime,
) -> PaymentOrder:
    values = {
        "user_id": user_id,
        "method": method.value,
        "currency": currency,
        "amount": amount,
        "credit": credit,
        "status": OrderStatus.PENDING.value,
        "payload": payload,
        "created_at": now,
        "updated_at": now,
    }
    order_id = (
        await tx.execute(payment_orders.insert().returning(payment_orders.c.id), values)
    ).scalar_one()
    order = await order_by_id(tx, order_id)
    assert order is not None
    return order


async def order_by_id(tx: AsyncConnection, order_id: int) -> PaymentOrder | None:
    return await _one(tx, payment_orders.c.id == order_id)


async def order_by_payload(tx: AsyncConnection, payload: str) -> PaymentOrder | None:
    return await _one(tx, payment_orders.c.payload == payload)


async def order_by_charge(tx: AsyncConnection, charge_id: str) -> PaymentOrder | None:
    return await _one(tx, payment_orders.c.telegram_payment_charge_id == charge_id)


async def mark_paid(
    tx: AsyncConnection,
    *,
    order_id: int,
    telegram_charge_id: str,
    provider_charge_id: str | None,
    now: datetime,
) -> bool:
    """pending -> paid with both charge ids; False when the order was not pending."""
    return await _move(
        tx,
        order_id,
        OrderStatus.PENDING,
        OrderStatus.PAID,
        telegram_payment_charge_id=telegram_charge_id,
        provider_payment_charge_id=provider_charge_id,
        paid_at=now,
        updated_at=now,
    )


async def mark_refunded(tx: AsyncConnection, *, order_id: int, debit: int, now: datetime) -> bool:
    """paid -> refunded, remembering what was taken back; False when it was not paid."""
    return await _move(
        tx,
        order_id,
        OrderStatus.PAID,
        OrderStatus.REFUNDED,
        refund_debit=debit,
        refunded_at=now,
        updated_at=now,
    )


async def mark_cancelled(tx: AsyncConnection, *, order_id: int, now: datetime) -> bool:
    return await _move(tx, order_id, OrderStatus.PENDING, OrderStatus.CANCELLED, updated_at=now)


async def mark_paid_after_expiry(
    tx: AsyncConnection,
    *,
    order_id: int,
    telegram_charge_id: str,
    provider_charge_id: str | None,
    now: datetime,
) -> bool:
    """expired -> paid: Telegram charged an invoice after its order expired; the order keeps the
    charge ids so the money can be refunded. False when the order was not expired."""
    return await _move(
        tx,
        order_id,
        OrderStatus.EXPIRED,
        OrderStatus.PAID,
        telegram_payment_charge_id=telegram_charge_id,
        provider_payment_charge_id=provider_charge_id,
        paid_at=now,
        updated_at=now,
    )


async def settled_orders(tx: AsyncConnection, user_id: int, *, limit: int) -> list[PaymentOrder]:
    """The user's paid (and later refunded) orders, newest first."""
    rows = (
        await tx.execute(
            sa.select(payment_orders)
            .where(
                payment_orders.c.user_id == user_id,
                payment_orders.c.status.in_([OrderStatus.PAID.value, OrderStatus.REFUNDED.value]),
            )
            .order_by(payment_orders.c.id.desc())
            .limit(limit)
        )
    ).mappings()
    return [_to_order(row) for row in rows]


async def history_orders(tx: AsyncConnection, user_id: int, *, limit: int) -> list[PaymentOrder]:
    """What the user's payment list shows, newest first: paid, refunded and rejected orders, and
    manual transfers waiting for an admin (pending with a receipt)."""
    decided = [OrderStatus.PAID.value, OrderStatus.REFUNDED.value, OrderStatus.REJECTED.value]
    in_review = sa.and_(
        payment_orders.c.status == OrderStatus.PENDING.value,
        payment_orders.c.receipt_file_id.is_not(None),
    )
    rows = (
        await tx.execute(
            sa.select(payment_orders)
            .where(
                payment_orders.c.user_id == user_id,
                sa.or_(payment_orders.c.status.in_(decided), in_review),
            )
            .order_by(payment_orders.c.id.desc())
            .limit(limit)
        )
    ).mappings()
    return [_to_order(row) for row in rows]


async def first_contact(tx: AsyncConnection, user_id: int) -> bool:
    """True while the user's first update is being handled (nothing seen of them before).

    Every update refreshes `last_seen_at`; only the update that created the row leaves it
    equal to `created_at`.
    """
    row = (
        await tx.execute(
            sa.select(users.c.created_at, users.c.last_seen_at).where(users.c.id == user_id)
        )
    ).first()
    return row is not None and row.created_at == row.last_seen_at


async def user_exists(tx: AsyncConnection, user_id: int) -> bool:
    found = (await tx.execute(sa.select(users.c.id).where(users.c.id == user_id))).scalar()
    return found is not None


async def referrer_of(tx: AsyncConnection, user_id: int) -> int | None:
    found: int | None = (
        await tx.execute(sa.select(users.c.referrer_id).where(users.c.id == user_id))
    ).scalar()
    return found


async def referral_chain(tx: AsyncConnection, user_id: int) -> list[int]:
    """Who invited `user_id`, who invited them, and so on (at most REFERRAL_CHAIN_LIMIT)."""
    chain: list[int] = []
    current = await referrer_of(tx, user_id)
    while current is not None and len(chain) < REFERRAL_CHAIN_LIMIT:
        chain.append(current)
        current = await referrer_of(tx, current)
    return chain


async def set_referrer(tx: AsyncConnection, *, user_id: int, referrer_id: int) -> bool:
    """Link the user to their inviter once; False when they already have one."""
    linked = (
        await tx.execute(
            sa.update(users)
            .where(users.c.id == user_id, users.c.referrer_id.is_(None))
            .values(referrer_id=referrer_id)
            .returning(users.c.id)
        )
    ).first()
    return linked is not None


async def invited_count(tx: AsyncConnection, user_id: int) -> int:
    query = sa.select(sa.func.count()).select_from(users).where(users.c.referrer_id == user_id)
    return int((await tx.execute(query)).scalar_one())


async def referral_earnings(tx: AsyncConnection, user_id: int) -> Kopecks:
    query = sa.select(sa.func.coalesce(sa.func.sum(ledger_entries.c.available_delta), 0)).where(
        ledger_entries.c.user_id == user_id,
        ledger_entries.c.kind == EntryKind.BONUS.value,
        ledger_entries.c.idempotency_key.startswith(REFERRAL_BONUS_PREFIX, autoescape=True),
    )
    return Kopecks(int((await tx.execute(query)).scalar_one()))


async def _move(
    tx: AsyncConnection,
    order_id: int,
    source: OrderStatus,
    target: OrderStatus,
    **values: object,
) -> bool:
    moved = (
        await tx.execute(
            sa.update(payment_orders)
            .where(payment_orders.c.id == order_id, payment_orders.c.status == source.value)
            .values(status=target.value, **values)
            .returning(payment_orders.c.id)
        )
    ).first()
    return moved is not None


async def _one(tx: AsyncConnection, condition: sa.ColumnElement[bool]) -> PaymentOrder | None:
    row = (await tx.execute(sa.select(payment_orders).where(condition))).mappings().first()
    return None if row is None else _to_order(row)


def _to_order(row: sa.RowMapping) -> PaymentOrder:
    return PaymentOrder(
        id=row["id"],
        user_id=row["user_id"],
        method=PaymentMethod(row["method"]),
        currency=row["currency"],
        amount=row["amount"],
        credit=Kopecks(row["credit"]),
        status=OrderStatus(row["status"]),
        payload=row["payload"],
        telegram_payment_charge_id=row["telegram_payment_charge_id"],
        provider_payment_charge_id=row["provider_payment_charge_id"],
        refund_debit=row["refund_debit"],
        created_at=row["created_at"],
        paid_at=row["paid_at"],
        refunded_at=row["refunded_at"],
    )


def order_from_row(row: sa.RowMapping) -> PaymentOrder:
    """The order of a `payment_orders` row another repository selected (with more columns)."""
    return _to_order(row)
