"""The claim loop behind the reconciler and the delivery worker: a freed slot takes the next
due item at once (no waiting for the slowest of a batch), a wake-up while full is kept until a
slot frees, a stop finishes the items in progress, a cancel cancels them, and a failed claim is
tried again."""

import asyncio
from collections.abc import Callable, Sequence

from trt.services.claim_loop import ClaimLoop


class DueItems:
    """Work that comes due: `claim` takes up to `limit` items, in order."""

    def __init__(self, *items: str) -> None:
        self.items = list(items)
        self.claims: list[int] = []
        self.failures = 0

    async def claim(self, limit: int) -> Sequence[str]:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database unavailable")
        self.claims.append(limit)
        taken, self.items = self.items[:limit], self.items[limit:]
        return taken


class Worker:
    """Handles items; an item named in `held` runs until released."""

    def __init__(self, *held: str) -> None:
        self.gates = {name: asyncio.Event() for name in held}
        self.started: list[str] = []
        self.finished: list[str] = []
        self.cancelled: list[str] = []

    async def handle(self, item: str) -> None:
        self.started.append(item)
        try:
            if item in self.gates:
                await self.gates[item].wait()
        except asyncio.CancelledError:
            self.cancelled.append(item)
            raise
        self.finished.append(item)


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


def loop_of(due: DueItems, worker: Worker, concurrency: int, idle: float = 30) -> ClaimLoop[str]:
    return ClaimLoop(
        name="test",
        claim=due.claim,
        handle=worker.handle,
        concurrency=concurrency,
        idle_interval=idle,
    )


async def test_a_freed_slot_takes_the_next_item_while_a_slow_one_still_runs() -> None:
    due = DueItems("slow", "a", "b", "c")
    worker = Worker("slow")
    loop = loop_of(due, worker, concurrency=2)
    running = asyncio.create_task(loop.run())

    await until(lambda: worker.finished == ["a", "b", "c"])
    assert worker.started[0] == "slow"
    assert "slow" not in worker.finished

    worker.gates["slow"].set()
    await until(lambda: "slow" in worker.finished)
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)


async def test_a_wake_up_while_full_is_claimed_when_a_slot_frees() -> None:
    due = DueItems("x")
    worker = Worker("x", "late")
    loop = loop_of(due, worker, concurrency=1)
    running = asyncio.create_task(loop.run())
    await until(lambda: worker.started == ["x"])

    due.items.append("late")
    loop.wake()
    await asyncio.sleep(0.05)
    assert worker.started == ["x"]  # no slot: the wake-up waits

    worker.gates["x"].set()
    await until(lambda: worker.started == ["x", "late"])
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    assert worker.cancelled == ["late"]


async def test_a_stop_finishes_the_items_in_progress() -> None:
    due = DueItems("a", "b")
    worker = Worker("a", "b")
    loop = loop_of(due, worker, concurrency=4)
    stop = asyncio.Event()
    running = asyncio.create_task(loop.run(stop))
    await until(lambda: worker.started == ["a", "b"])

    stop.set()
    await asyncio.sleep(0.05)
    assert not running.done()
    for gate in worker.gates.values():
        gate.set()
    await asyncio.wait_for(running, timeout=3)
    assert (worker.finished, worker.cancelled, loop.in_progress) == (["a", "b"], [], 0)


async def test_a_failed_claim_is_tried_again_after_the_idle_interval() -> None:
    due = DueItems("a")
    due.failures = 2
    worker = Worker()
    loop = loop_of(due, worker, concurrency=2, idle=0.05)
    running = asyncio.create_task(loop.run())

    await until(lambda: worker.finished == ["a"])
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    assert due.failures == 0


async def test_a_busy_loop_claims_in_groups_not_one_row_at_a_time() -> None:
    due = DueItems(*(f"i{n}" for n in range(40)))
    worker = Worker()
    loop = loop_of(due, worker, concurrency=8)
    running = asyncio.create_task(loop.run())

    await until(lambda: len(worker.finished) == 40)
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    assert due.claims[0] == 8
    assert min(due.claims[:-1]) >= 2  # refill: a quarter of the slots
