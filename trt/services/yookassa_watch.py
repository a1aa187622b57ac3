"""Keeping YooKassa orders moving: notifications wake a re-read at once, and a loop re-reads
pending orders whose notification never came.

A notification is answered before its re-read runs: `wake` starts the re-read in a task this
object owns (at most `max_in_flight` at once; beyond that the loop gets to it). A second
notification for a payment already being re-read asks for one more re-read afterwards instead
of a parallel one. The loop claims due orders in bounded batches (tiers by the order's age,
see `domain.yookassa.check_tiers`); after a day an order is no longer re-read, though a late
notification still settles it. A `refund.succeeded` notification wakes a re-read of that refund
the same way (`wake_refund`), which records it once it succeeded.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog

from trt.domain.yookassa import check_tiers
from trt.services.ports import Clock
from trt.services.yookassa_payments import CardPayments
from trt.services.yookassa_refunds import CardRefunds
from trt.storage import yookassa_orders
from trt.storage.database import Database
from trt.storage.yookassa_orders import CardOrder

log = structlog.get_logger(__name__)

UNLINKED_AFTER = timedelta(minutes=10)  # far longer than a create with all its retries


class PaymentWatch:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        payments: CardPayments,
        check_every: timedelta,
        batch: int = 50,
        concurrency: int = 4,
        max_in_flight: int = 64,
        refunds: CardRefunds | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._payments = payments
        self._refunds = refunds
        self._tiers = check_tiers(check_every)
        self._idle = check_every.total_seconds()
        self._batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        self._max_in_flight = max_in_flight
        self._tasks: set[asyncio.Task[None]] = set()
        self._running: set[str] = set()
        self._again: set[str] = set()

    def wake(self, payment_id: str) -> None:
        """A notification named this payment: re-read it soon (never blocks)."""
        self._start(payment_id, lambda: self._payments.check(payment_id))

    def wake_refund(self, *, payment_id: str, refund_id: str) -> None:
        """A notification named this refund of this payment: re-read it soon (never blocks)."""
        refunds = self._refunds
        if refunds is None:
            log.warning("yookassa.refund_notice_unhandled", refund_id=refund_id)
            return
        self._start(
            f"refund:{refund_id}",
            lambda: refunds.check(payment_id=payment_id, refund_id=refund_id),
        )

    def _start(self, key: str, check: Callable[[], Awaitable[object]]) -> None:
        if key in self._running:
            self._again.add(key)
            return
        if len(self._tasks) >= self._max_in_flight:
            log.warning("yookassa.wakeup_deferred", key=key)
            return
        self._running.add(key)
        task = asyncio.create_task(self._recheck(key, check), name=f"yookassa-{key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def check_due(self) -> int:
        """One pass: re-read the due pending orders; return how many were claimed."""
        async with self._db.transaction() as tx:
            due = await yookassa_orders.claim_due(
                tx, now=self._clock.now(), tiers=self._tiers, limit=self._batch
            )
        await asyncio.gather(*(self._check(order) for order in due))
        await self._payments.cancel_unlinked(older_than=UNLINKED_AFTER, limit=self._batch)
        return len(due)

    async def run(self) -> None:
        """Run until cancelled."""
        while True:
            try:
                claimed = await self.check_due()
            except Exception:  # loop boundary: log, wait, keep watching
                log.exception("yookassa.watch_pass_failed")
                claimed = 0
            if claimed < self._batch:
                await asyncio.sleep(self._idle)

    async def close(self) -> None:
        """Cancel the re-reads in flight (the loop re-reads their orders after a restart)."""
        running = list(self._tasks)
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _recheck(self, key: str, check: Callable[[], Awaitable[object]]) -> None:
        try:
            for _ in range(2):  # the wake-up, and at most one more asked for meanwhile
                self._again.discard(key)
                async with self._slots:
                    await check()
                if key not in self._again:
                    break
        except Exception:  # a task boundary: one payment's bug must not go unseen
            log.exception("yookassa.recheck_failed", key=key)
        finally:
            self._running.discard(key)
            self._again.discard(key)

    async def _check(self, order: CardOrder) -> None:
        async with self._slots:
            try:
                await self._payments.check_order(order)
            except Exception:  # one order's bug must not stop the others
                log.exception("yookassa.check_failed", order_id=order.id)
