"""Migrations: walk every revision with data in it; nothing written earlier is ever lost."""

import re

import sqlalchemy as sa

from tests.storage.migration_data import SEEDS, snapshot
from trt.storage import migrate
from trt.storage.database import Database
from trt.storage.tables import metadata

VERSIONS = migrate.MIGRATIONS_DIR / "versions"
DESTRUCTIVE = re.compile(
    r"drop_table|drop_column|DROP\s+(TABLE|COLUMN)|TRUNCATE|DELETE\s+FROM", re.I
)


def test_every_revision_has_seed_data() -> None:
    assert set(migrate.all_revisions()) == set(SEEDS)


def test_no_migration_drops_or_deletes_user_data() -> None:
    offenders = [p.name for p in VERSIONS.glob("*.py") if DESTRUCTIVE.search(p.read_text())]
    assert offenders == []


async def _tables(db: Database) -> set[str]:
    async with db.read() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


async def test_stairway_keeps_every_row_on_both_engines(empty_db: Database) -> None:
    expected: dict[str, list[tuple[object, ...]]] = {}
    for revision in migrate.all_revisions():
        await migrate.upgrade(empty_db, revision)
        await migrate.upgrade(empty_db, revision)  # re-running a step is a no-op
        assert await migrate.current_revision(empty_db) == revision
        tables = await _tables(empty_db)
        async with empty_db.read() as conn:
            assert _non_empty(await snapshot(conn, tables)) == _non_empty(expected)
        async with empty_db.transaction() as conn:
            await SEEDS[revision](conn)
        async with empty_db.read() as conn:
            expected = await snapshot(conn, tables)

    await migrate.upgrade(empty_db)
    async with empty_db.read() as conn:
        assert await snapshot(conn, await _tables(empty_db)) == expected
    assert all(expected.values())


async def test_head_schema_matches_the_table_definitions(empty_db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    await migrate.upgrade(empty_db)
    async with empty_db.read() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": True}), metadata
            )
        )
    assert diff == []


def _non_empty(snap: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    return {table: rows for table, rows in snap.items() if rows}
