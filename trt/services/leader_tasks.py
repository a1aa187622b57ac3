"""Work only the leader does: started when this instance becomes active, stopped when it stops
being (or shuts down).

Some work must run in one process at a time: polling Telegram, broadcasts (so one limiter keeps
the whole bot under Telegram's overall rate), the KIE balance alert. The leader lock decides
which process that is, in polling and webhook mode alike (see `leadership`).
"""

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Protocol

import structlog

log = structlog.get_logger(__name__)

WorkerFactory = Callable[[], Coroutine[Any, Any, None]]


class Duty(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class LeaderTasks:
    """Long-running workers, a fresh task each per term as leader."""

    def __init__(self, workers: Mapping[str, WorkerFactory]) -> None:
        self._workers = dict(workers)
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def running(self) -> list[str]:
        return sorted(name for name, task in self._tasks.items() if not task.done())

    async def start(self) -> None:
        if self._tasks:
            return
        for name, factory in self._workers.items():
            task = asyncio.create_task(factory(), name=f"leader:{name}")
            task.add_done_callback(_log_crash)
            self._tasks[name] = task
        log.info("leader.tasks_started", tasks=sorted(self._workers))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, {}
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        if tasks:
            log.info("leader.tasks_stopped", tasks=sorted(tasks))


def _log_crash(task: "asyncio.Task[None]") -> None:
    if not task.cancelled() and task.exception() is not None:
        # The workers catch their own errors at their loop boundary; this is a bug.
        log.error("leader.task_crashed", task=task.get_name(), exc_info=task.exception())


class LeaderDuties:
    """Several duties started in order and stopped in reverse, as one."""

    def __init__(self, *duties: Duty) -> None:
        self._duties = duties

    async def start(self) -> None:
        for duty in self._duties:
            await duty.start()

    async def stop(self) -> None:
        for duty in reversed(self._duties):
            await duty.stop()
