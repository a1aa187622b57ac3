"""The update log's pruning worker lives through a database outage (found by the chaos runs: a
dropped connection ended the worker, and a dead worker stops the whole bot process)."""

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import ManualClock
from tests.drivers.tcp_proxy import TcpProxy
from trt.services.update_log import KEEP_FOR, UpdateLog
from trt.storage.database import Database
from trt.storage.tables import processed_updates


async def remaining(db: Database) -> int:
    async with db.read() as tx:
        query = sa.select(sa.func.count()).select_from(processed_updates)
        return int((await tx.execute(query)).scalar_one())


@pytest.mark.postgres
async def test_pruning_goes_on_after_the_database_was_away(pg_url: str, clock: ManualClock) -> None:
    direct = Database(pg_url)
    async with direct.transaction() as tx:
        await tx.execute(sa.delete(processed_updates))
    log = UpdateLog(db=direct, clock=clock)
    assert await log.first_time(bot_id=1, update_id=10)
    clock.advance(seconds=(KEEP_FOR + timedelta(hours=1)).total_seconds())

    url = sa.make_url(pg_url)
    proxy = await TcpProxy(target_port=url.port or 5432).start()
    proxied = Database(url.set(port=proxy.port).render_as_string(hide_password=False))
    proxy.refuse_for(0.5)
    worker = asyncio.create_task(UpdateLog(db=proxied, clock=clock).prune_forever(interval=0.1))
    try:
        for _ in range(100):  # a failure's log line may take a while to render in tests
            await asyncio.sleep(0.1)
            if await remaining(direct) == 0:
                break
        assert not worker.done()
        assert await remaining(direct) == 0
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        await proxied.dispose()
        await direct.dispose()
        await proxy.stop()
