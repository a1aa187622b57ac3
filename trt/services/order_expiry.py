"""Expiring pending orders nobody will pay: a Stars invoice older than the TTL, a manual transfer
with no receipt older than the TTL. Manual orders with a receipt wait for an admin instead, and
YooKassa orders are left to their own reconciliation.

Every instance runs the worker; each batch is a compare-and-set in its own short transaction
(SKIP LOCKED on PostgreSQL), and one pass is bounded in batches, so instances never expire an
order twice and never hold locks for long. A Stars payment that still arrives for an expired
order is credited all the same (services/payments.py moves it expired -> paid).
"""

import asyncio
from datetime import timedelta

import structlog

from trt.services.ports import Clock
from trt.storage import order_expiry
from trt.storage.database import Database

log = structlog.get_logger(__name__)

BATCH = 200
MAX_BATCHES = 25  # per pass: at most 5,000 orders, the rest on the next pass
INTERVAL = 300.0  # seconds between passes


class OrderExpiry:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        ttl: timedelta,
        interval: float = INTERVAL,
        batch: int = BATCH,
        max_batches: int = MAX_BATCHES,
    ) -> None:
        self._db = db
        self._clock = clock
        self._ttl = ttl
        self._interval = interval
        self._batch = batch
        self._max_batches = max_batches

    async def run(self) -> None:
        """A pass every `interval` seconds until cancelled; a failed pass is retried next time."""
        while True:
            try:
                await self.run_once()
            except Exception:  # the loop boundary: a database blip must not stop the process
                log.warning("orders.expiry_failed", exc_info=True)
            await asyncio.sleep(self._interval)

    async def run_once(self) -> int:
        """Expire what is due, at most `max_batches` batches; returns how many orders expired."""
        total = 0
        for _ in range(self._max_batches):
            now = self._clock.now()
            async with self._db.transaction() as tx:
                expired = await order_expiry.expire_batch(
                    tx, created_before=now - self._ttl, now=now, limit=self._batch
                )
            total += len(expired)
            if len(expired) < self._batch:
                break
        if total:
            log.info("orders.expired", count=total)
        return total
