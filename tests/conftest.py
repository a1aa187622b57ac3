"""Shared fixtures: a migrated database on each engine, a manual clock.

`db` runs every test that uses it twice: on a fresh SQLite file and on PostgreSQL. A missing
PostgreSQL is an error, not a skip (set TRT_TEST_ENGINES=sqlite to leave it out on purpose).
"""

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from trt.storage import migrate
from trt.storage.database import Database
from trt.storage.tables import metadata

PG_ADMIN_URL = os.environ.get(
    "TRT_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
ENGINES = os.environ.get("TRT_TEST_ENGINES", "sqlite,postgres").split(",")


class ManualClock:
    """A clock tests move by hand, so deadlines are tested without sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def _pg_url(database: str) -> str:
    return sa.make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


async def _create_pg_database(name: str) -> None:
    admin = Database(PG_ADMIN_URL)
    try:
        async with admin.engine.connect() as raw:
            conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}. Start it, or set "
            "TRT_TEST_ENGINES=sqlite to run without it."
        ) from exc
    finally:
        await admin.dispose()


async def _drop_pg_database(name: str) -> None:
    admin = Database(PG_ADMIN_URL)
    try:
        async with admin.engine.connect() as raw:
            conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def make_pg_database() -> tuple[str, str]:
    """Create an empty PostgreSQL database; returns (name, url)."""
    name = f"trt_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_create_pg_database(name))
    return name, _pg_url(name)


def drop_pg_database(name: str) -> None:
    asyncio.run(_drop_pg_database(name))


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name, url = make_pg_database()
    asyncio.run(_migrate(url))
    yield url
    drop_pg_database(name)


@pytest.fixture
def clean_pg_url(pg_url: str) -> str:
    """The shared PostgreSQL database, emptied: for tests that need PostgreSQL itself."""
    asyncio.run(_truncate_all(pg_url))
    return pg_url


@pytest.fixture(params=[e for e in ("sqlite", "postgres") if e in ENGINES])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "trt.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    asyncio.run(_truncate_all(url))
    return url


async def _truncate_all(url: str) -> None:
    database = Database(url)
    names = ", ".join(t.name for t in reversed(metadata.sorted_tables))
    try:
        async with database.transaction() as tx:
            await tx.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await database.dispose()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture(params=[e for e in ("sqlite", "postgres") if e in ENGINES])
async def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no schema at all, on each engine."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
        yield database
        await database.dispose()
        return
    name = f"trt_test_{uuid.uuid4().hex[:12]}"
    await _create_pg_database(name)
    database = Database(_pg_url(name))
    try:
        yield database
    finally:
        await database.dispose()
        await _drop_pg_database(name)
