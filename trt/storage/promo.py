"""Promo codes. Repository functions never commit.

`take_use` is the one way `uses` grows: a guarded UPDATE that fails once `uses` reached
`max_uses` or the code expired. On PostgreSQL concurrent redemptions queue on the row lock and
each re-checks the guard on the committed row, so the limit is never exceeded.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.money import Kopecks
from trt.domain.payments import PromoCode
from trt.storage.tables import promo_codes
from trt.storage.upsert import insert_ignoring_conflict


async def create(
    tx: AsyncConnection,
    *,
    code: str,
    amount: int,
    max_uses: int,
    expires_at: datetime | None,
    created_by: int,
    now: datetime,
) -> bool:
    """A new code; False when the code already exists (it is left unchanged)."""
    values = {
        "code": code,
        "amount": amount,
        "max_uses": max_uses,
        "uses": 0,
        "expires_at": expires_at,
        "created_by": created_by,
        "created_at": now,
    }
    stmt = insert_ignoring_conflict(tx, promo_codes, conflict_on=["code"])
    created = (await tx.execute(stmt.returning(promo_codes.c.code), values)).first()
    return created is not None


async def get(tx: AsyncConnection, code: str) -> PromoCode | None:
    row = (
        (await tx.execute(sa.select(promo_codes).where(promo_codes.c.code == code)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return PromoCode(
        code=row["code"],
        amount=Kopecks(row["amount"]),
        max_uses=row["max_uses"],
        uses=row["uses"],
        expires_at=row["expires_at"],
    )


async def take_use(tx: AsyncConnection, *, code: str, now: datetime) -> bool:
    """Count one more use; False when the code is used up or expired."""
    taken = (
        await tx.execute(
            sa.update(promo_codes)
            .where(
                promo_codes.c.code == code,
                promo_codes.c.uses < promo_codes.c.max_uses,
                sa.or_(promo_codes.c.expires_at.is_(None), promo_codes.c.expires_at > now),
            )
            .values(uses=promo_codes.c.uses + 1)
            .returning(promo_codes.c.uses)
        )
    ).first()
    return taken is not None
