"""Start-up against a database server that is not there yet (it may be starting next to us, or
restarting): apply the migrations as soon as it answers, waiting with backoff up to a limit.
A file database (SQLite) is not waited for: it is there or the path is wrong."""

import asyncio
import time
from collections.abc import Callable

import structlog

from trt.storage import migrate
from trt.storage.database import MAYBE_UNAVAILABLE, Database, is_unavailable

log = structlog.get_logger(__name__)

FIRST_DELAY = 0.5
MAX_DELAY = 5.0


async def upgrade_when_reachable(
    database: Database,
    *,
    wait: float,
    stop: asyncio.Event,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Apply migrations; while the server refuses or drops connections, try again for up to
    `wait` seconds. False when `stop` was set meanwhile; the last error propagates when the wait
    is over (the process then exits)."""
    started = clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            await migrate.upgrade(database)
        except MAYBE_UNAVAILABLE as error:
            spent = clock() - started
            delay = min(MAX_DELAY, FIRST_DELAY * 2 ** min(attempt - 1, 10))
            if not is_unavailable(error) or database.is_sqlite or spent + delay > wait:
                raise
            # the error's type only: its text may carry the connection string
            log.warning(
                "database.waiting", attempt=attempt, error=type(error).__name__, retry_in_s=delay
            )
        else:
            return True
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
        except TimeoutError:
            continue
        return False
