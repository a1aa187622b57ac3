"""Each Telegram update is handled once, even when Telegram delivers it twice (a webhook retry,
two instances, a restart before the polling offset was confirmed)."""

import asyncio
from datetime import timedelta

import structlog

from trt.services.ports import Clock
from trt.storage import updates
from trt.storage.database import Database

log = structlog.get_logger(__name__)

KEEP_FOR = timedelta(days=2)  # Telegram keeps unconfirmed updates for 24 hours


class UpdateLog:
    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def first_time(self, *, bot_id: int, update_id: int) -> bool:
        async with self._db.transaction() as tx:
            return await updates.claim(
                tx, bot_id=bot_id, update_id=update_id, now=self._clock.now()
            )

    async def prune(self) -> int:
        async with self._db.transaction() as tx:
            return await updates.prune(tx, before=self._clock.now() - KEEP_FOR)

    async def prune_forever(self, *, interval: float = 3600.0) -> None:
        """Forget old update ids now and then; runs until cancelled."""
        while True:
            try:
                await self.prune()
            except Exception:  # loop boundary: the database may be away; try next time
                log.warning("update_log.prune_failed", exc_info=True)
            await asyncio.sleep(interval)
