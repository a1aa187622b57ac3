"""Async engine for SQLite (default) or PostgreSQL, and the transaction boundary.

Services own transactions: `async with db.transaction() as tx:` around one use case, and
repository functions take `tx` and run statements without committing. On SQLite a write
transaction starts with BEGIN IMMEDIATE so two writers queue on the busy timeout instead of
failing halfway with "database is locked".
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

_READ_ONLY = "trt_read_only"
# What a lost, refused or cut database connection raises (wrapped by SQLAlchemy, or raw from the
# driver while connecting): worth trying again later.
UNAVAILABLE = (sa.exc.DBAPIError, OSError)
# A socket error met while a statement reconnects comes wrapped in a plain StatementError
# (`is_unavailable` looks inside); catch these, then re-raise what is not unavailability.
MAYBE_UNAVAILABLE = (sa.exc.StatementError, OSError)


def is_unavailable(error: BaseException) -> bool:
    """The database refused, dropped or could not be reached: worth trying again later."""
    if isinstance(error, UNAVAILABLE):
        return True
    return isinstance(error, sa.exc.StatementError) and isinstance(error.orig, UNAVAILABLE)


SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """Accept the usual spellings and pick the async driver for each engine."""
    parsed = make_url(url)
    driver = {
        "sqlite": "sqlite+aiosqlite",
        "postgres": "postgresql+asyncpg",
        "postgresql": "postgresql+asyncpg",
    }.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 20) -> None:
        self.url = normalise_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        # No pre-ping: it doubled the round trips of every transaction (bench/scale.py). A
        # connection that died is discarded on its first error, and old ones are recycled.
        options: dict[str, Any] = {"echo": echo, "pool_pre_ping": False, "pool_recycle": 900}
        if self.dialect == "postgresql":
            # Enough for the reconciler, the delivery worker and the handlers at once, so
            # connections are reused rather than opened and closed under load.
            options |= {"pool_size": pool_size, "max_overflow": pool_size // 2}
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One atomic unit of work: commits on success, rolls back on any exception."""
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only unit of work (on SQLite it does not take the write lock)."""
        async with self.engine.connect() as raw:
            conn = await raw.execution_options(**{_READ_ONLY: True})
            async with conn.begin():
                yield conn

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        # Take over transaction control from the sqlite3 module (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        read_only = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
