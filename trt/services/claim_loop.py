"""A worker loop that keeps up to `concurrency` claimed items in progress and claims more as
soon as slots free up, rather than claiming a batch and waiting for all of it to end.

With whole batches, an item that became due just after a claim waited for the slowest item of
that batch (the reconciler's delivery tail at 100 callbacks/s was a second). Here an item is
claimed only when a slot is free for it, so nothing waits out its lease in a local queue.

When to claim:
- at once after `wake()` (new work: a job created, a callback, a delivery queued) or after
  `idle_interval` without news (scheduled work coming due), if any slot is free;
- after a slot frees, only if the last claim filled every free slot (more may be due) and at
  least `refill` slots are free, so that a busy loop claims in groups, not one row at a time.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Generic, TypeVar

import structlog

log = structlog.get_logger(__name__)

T = TypeVar("T")


class ClaimLoop(Generic[T]):
    def __init__(
        self,
        *,
        name: str,
        claim: Callable[[int], Awaitable[Sequence[T]]],
        handle: Callable[[T], Coroutine[Any, Any, None]],
        concurrency: int,
        idle_interval: float,
        refill: int | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("a claim loop needs concurrency >= 1")
        self._name = name
        self._claim = claim
        self._handle = handle
        self._capacity = concurrency
        self._refill = max(1, min(concurrency, refill or concurrency // 4))
        self._idle_interval = idle_interval
        self._tasks: set[asyncio.Task[None]] = set()
        self._woken = asyncio.Event()
        self._freed = asyncio.Event()

    def wake(self) -> None:
        """New work may be due: claim it now if a slot is free (else when one frees)."""
        self._woken.set()

    @property
    def in_progress(self) -> int:
        return len(self._tasks)

    async def run(
        self, stop: asyncio.Event | None = None, *, idle_interval: float | None = None
    ) -> None:
        """Claim and handle until `stop` is set (items in progress are then finished) or the
        task is cancelled (items in progress are cancelled with it)."""
        stop = stop or asyncio.Event()
        idle = self._idle_interval if idle_interval is None else idle_interval
        more, urgent = True, True  # look at once
        try:
            while not stop.is_set():
                if self._woken.is_set():
                    more = urgent = True
                free = self._capacity - len(self._tasks)
                if more and free > 0 and (urgent or free >= self._refill):
                    self._woken.clear()
                    claimed = await self._claim_guarded(free)
                    more, urgent = claimed is not None and len(claimed) == free, False
                    for item in claimed or ():
                        self._start(item)
                    continue
                full = len(self._tasks) >= self._capacity
                self._freed.clear()
                # While full, a wake-up waits for a free slot (it stays set until then).
                events = (stop, self._freed) if full else (stop, self._woken, self._freed)
                if not await _first_of(*events, within=idle):
                    more = urgent = True
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            for task in self._tasks:
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _claim_guarded(self, limit: int) -> Sequence[T] | None:
        try:
            return await self._claim(limit)
        except Exception:  # loop boundary: log, wait out the idle interval, claim again
            log.exception("claim_loop.claim_failed", loop=self._name)
            return None

    def _start(self, item: T) -> None:
        task = asyncio.create_task(self._handle(item), name=f"{self._name}-item")
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._freed.set()
        if not task.cancelled() and task.exception() is not None:
            # `handle` is expected to catch its own errors; this one escaped it.
            log.error("claim_loop.item_failed", loop=self._name, exc_info=task.exception())


async def _first_of(*events: asyncio.Event, within: float) -> bool:
    """Wait until any of `events` is set (True) or `within` seconds pass (False)."""
    if any(event.is_set() for event in events):
        return True
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        done, _ = await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*waiters, return_exceptions=True)
    return bool(done)
