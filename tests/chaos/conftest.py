"""Per-module fixtures for the chaos and leadership tests: a PostgreSQL database of their own
and one warm fork server that starts `trt run` processes in a fraction of a second.

The tests of a module share one event loop (`loop_scope="module"`), so the fork server and its
children outlive a single test.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from tests.chaos.world import World
from tests.conftest import drop_pg_database, make_pg_database
from tests.drivers.launcher import ForkLauncher
from trt.storage import migrate
from trt.storage.database import Database


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
def chaos_db_url() -> Iterator[str]:
    name, url = make_pg_database()
    asyncio.run(_migrate(url))
    yield url
    drop_pg_database(name)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fork_launcher() -> AsyncIterator[ForkLauncher]:
    launcher = await ForkLauncher().start()
    yield launcher
    await launcher.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chaos_world(
    chaos_db_url: str, fork_launcher: ForkLauncher, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """The database behind a cuttable proxy, and bot processes forked by `fork_launcher`."""
    workdir = tmp_path_factory.mktemp("chaos")
    world = await World(db_url=chaos_db_url, launcher=fork_launcher, workdir=workdir).open()
    yield world
    await world.close()
