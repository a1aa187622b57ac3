"""Leader locks: only the holder polls Telegram and runs one-at-a-time work.

PostgreSQL: a session advisory lock on a dedicated connection outside the pool; when the
holder's process dies its connection closes and the server frees the lock. SQLite: an
exclusive `flock` on a file next to the database; the kernel frees it when the process dies.
"""

import contextlib
import fcntl
from pathlib import Path
from typing import IO, Any, Protocol

import asyncpg
from sqlalchemy.engine import make_url

LEADER_LOCK_KEY = 0x7472_745F_6C65_6164  # "trt_lead": an arbitrary app-wide 64-bit key
_CHECK_TIMEOUT = 5.0


class LeaderLock(Protocol):
    async def try_acquire(self) -> bool:
        """Take the lock if free; True when this process now holds it."""
        ...

    async def still_held(self) -> bool:
        """False when the lock was lost (e.g. the database connection broke)."""
        ...

    async def release(self) -> None: ...


class PostgresLeaderLock:
    def __init__(self, url: str, *, key: int = LEADER_LOCK_KEY) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._key = key
        self._conn: Any = None

    async def try_acquire(self) -> bool:
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(self._dsn, timeout=_CHECK_TIMEOUT)
            acquired = bool(await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key))
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await self._close()
            raise OSError(f"leader lock unavailable: {type(exc).__name__}") from exc
        if not acquired:
            await self._close()
        return acquired

    async def still_held(self) -> bool:
        # A session lock lives exactly as long as its connection: a live connection holds it.
        if self._conn is None or self._conn.is_closed():
            return False
        try:
            await self._conn.fetchval("SELECT 1", timeout=_CHECK_TIMEOUT)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self._close()
            return False
        return True

    async def release(self) -> None:
        await self._close()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(OSError, TimeoutError, asyncpg.InterfaceError):
                await conn.close(timeout=_CHECK_TIMEOUT)


class FileLeaderLock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._handle: IO[str] | None = None

    @classmethod
    def for_sqlite(cls, url: str) -> "FileLeaderLock":
        database = make_url(url).database or "trt"
        return cls(Path(f"{database}.leader.lock"))

    async def try_acquire(self) -> bool:
        if self._handle is not None:
            return True
        handle = self._path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    async def still_held(self) -> bool:
        return self._handle is not None

    async def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def leader_lock_for(url: str) -> LeaderLock:
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        return PostgresLeaderLock(url)
    return FileLeaderLock.for_sqlite(url)
