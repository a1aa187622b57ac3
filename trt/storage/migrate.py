"""Apply Alembic migrations under a lock, so several instances starting together migrate once.

PostgreSQL: a session advisory lock around the upgrade. SQLite: an exclusive file lock next to
the database file. Migrations are forward-only; there is no downgrade path in the product.
"""

import asyncio
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from trt.storage.database import Database

MIGRATION_LOCK_KEY = 0x7472_745F_6D69_6772  # "trt_migr": an arbitrary app-wide 64-bit key
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def all_revisions() -> list[str]:
    """Every revision from the first to head, in order."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision`; a no-op when it is already there."""
    with _file_lock(db):
        async with db.engine.connect() as conn:
            if not db.is_sqlite:
                await conn.execute(
                    sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                await conn.commit()
            try:
                await conn.run_sync(_upgrade_sync, revision)
                await conn.commit()
            finally:
                if not db.is_sqlite:
                    await conn.execute(
                        sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                    )
                    await conn.commit()


async def current_revision(db: Database) -> str | None:
    async with db.read() as conn:
        return await conn.run_sync(
            lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
        )


def _upgrade_sync(connection: sa.Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


@contextmanager
def _file_lock(db: Database) -> Iterator[None]:
    database = make_url(db.url).database if db.is_sqlite else None
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(f"{database}.migrate.lock")
    with lock_path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade_blocking(url: str, revision: str = "head") -> None:
    """For the CLI: run `upgrade` in a fresh event loop."""

    async def run() -> None:
        db = Database(url)
        try:
            await upgrade(db, revision)
        finally:
            await db.dispose()

    asyncio.run(run())
