"""`INSERT … ON CONFLICT DO NOTHING` for whichever engine the connection speaks."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_ignoring_conflict(
    tx: AsyncConnection, table: sa.Table, *, conflict_on: list[str]
) -> Any:
    """An insert statement on `table` that silently skips rows clashing on `conflict_on`."""
    module = postgresql if tx.dialect.name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=conflict_on)


def upsert(
    tx: AsyncConnection, table: sa.Table, *, conflict_on: list[str], update: list[str]
) -> Any:
    """An insert on `table` that, on a clash, overwrites the `update` columns."""
    module = postgresql if tx.dialect.name == "postgresql" else sqlite
    stmt = module.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=conflict_on, set_={name: stmt.excluded[name] for name in update}
    )
