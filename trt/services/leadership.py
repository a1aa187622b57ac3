"""Leader election: one loop that takes the leader lock when it can and notices losing it.

The active instance polls Telegram and runs one-at-a-time work; the others stay passive (they
still serve HTTP, callbacks and health) and take over within `retry_interval` of the leader's
death.
"""

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum

import structlog

from trt.storage.leader import LeaderLock

log = structlog.get_logger(__name__)


class Role(StrEnum):
    STARTING = "starting"
    ACTIVE = "active"
    PASSIVE = "passive"


RoleListener = Callable[[Role], Awaitable[None]]


class LeaderElection:
    def __init__(
        self,
        *,
        lock: LeaderLock,
        on_change: RoleListener,
        retry_interval: float = 1.0,
        check_interval: float = 2.0,
    ) -> None:
        self._lock = lock
        self._on_change = on_change
        self._retry_interval = retry_interval
        self._check_interval = check_interval
        self.role = Role.STARTING

    async def run(self) -> None:
        """Run until cancelled; on cancellation the lock is released."""
        try:
            while True:
                if self.role is Role.ACTIVE:
                    await asyncio.sleep(self._check_interval)
                    if not await self._lock.still_held():
                        log.warning("leader.lost")
                        await self._become(Role.PASSIVE)
                    continue
                if await self._try_acquire():
                    await self._become(Role.ACTIVE)
                    continue
                if self.role is Role.STARTING:
                    await self._become(Role.PASSIVE)
                await asyncio.sleep(self._retry_interval)
        finally:
            await self._lock.release()

    async def _try_acquire(self) -> bool:
        try:
            return await self._lock.try_acquire()
        except (OSError, TimeoutError) as exc:
            log.warning("leader.acquire_failed", error=str(exc))
            return False

    async def _become(self, role: Role) -> None:
        self.role = role
        log.info("leader.role", role=role.value)
        await self._on_change(role)
