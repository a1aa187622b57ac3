"""The operator's model overrides (switched off, fixed price). Repository functions never commit.

One row per model ever changed; a row that is enabled with no price means "as the catalog says".
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.money import Kopecks
from trt.domain.overrides import ModelOverride
from trt.storage.tables import model_overrides
from trt.storage.upsert import upsert


@dataclass(frozen=True, slots=True)
class OverrideRow:
    override: ModelOverride
    updated_by: int
    updated_at: datetime


def _row(row: sa.RowMapping) -> OverrideRow:
    price = row["price_kopecks"]
    return OverrideRow(
        override=ModelOverride(
            model_id=row["model_id"],
            enabled=bool(row["enabled"]),
            price=None if price is None else Kopecks(int(price)),
        ),
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
    )


async def all_overrides(tx: AsyncConnection) -> list[ModelOverride]:
    """Every override, by model id (one small query: the table has a row per changed model)."""
    query = sa.select(
        model_overrides.c.model_id, model_overrides.c.enabled, model_overrides.c.price_kopecks
    ).order_by(model_overrides.c.model_id)
    return [
        ModelOverride(
            model_id=row.model_id,
            enabled=bool(row.enabled),
            price=None if row.price_kopecks is None else Kopecks(int(row.price_kopecks)),
        )
        for row in await tx.execute(query)
    ]


async def get(tx: AsyncConnection, model_id: str) -> OverrideRow | None:
    query = sa.select(model_overrides).where(model_overrides.c.model_id == model_id)
    row = (await tx.execute(query)).mappings().first()
    return None if row is None else _row(row)


async def set_enabled(
    tx: AsyncConnection, model_id: str, enabled: bool, *, admin_id: int, now: datetime
) -> None:
    """Switch the model on or off; its fixed price (if any) is kept."""
    await _upsert(tx, model_id, {"enabled": enabled}, admin_id=admin_id, now=now)


async def set_price(
    tx: AsyncConnection, model_id: str, price: Kopecks | None, *, admin_id: int, now: datetime
) -> None:
    """Fix the model's price (None: back to the policy's price); on/off is kept."""
    await _upsert(tx, model_id, {"price_kopecks": price}, admin_id=admin_id, now=now)


async def _upsert(
    tx: AsyncConnection,
    model_id: str,
    change: dict[str, object],
    *,
    admin_id: int,
    now: datetime,
) -> None:
    # Only the changed column is overwritten on a clash: two admins changing the on/off state
    # and the price of one model at once both win.
    values = {"model_id": model_id, "enabled": True, "price_kopecks": None}
    await tx.execute(
        upsert(
            tx,
            model_overrides,
            conflict_on=["model_id"],
            update=[*change, "updated_by", "updated_at"],
        ),
        {**values, **change, "updated_by": admin_id, "updated_at": now},
    )
