"""The update queue and ``getUpdates`` long polling.

Telegram semantics kept here: an update stays queued until a ``getUpdates`` call passes an
``offset`` above its id (that is the confirmation); a poll waits up to ``timeout`` seconds for
the first update; a new poll terminates one still in flight with 409; no polling while a
webhook is set. ``allowed_updates`` persists between calls, and updates of other types are
dropped when a reader reaches them.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from trt.sandbox.botapi.errors import CONFLICT_POLLING, CONFLICT_WEBHOOK, ApiError

# Telegram's default when allowed_updates is unset: everything but these three.
NOT_DEFAULT_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_POLL_TIMEOUT = 50
MAX_LIMIT = 100


def update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def is_allowed(update: dict[str, Any], allowed: list[str] | None) -> bool:
    kind = update_type(update)
    if allowed:
        return kind in allowed
    return kind not in NOT_DEFAULT_TYPES


class UpdateQueue:
    """Pending updates, in order, with the long-polling reader."""

    def __init__(self) -> None:
        self.condition = asyncio.Condition()
        self.pending: list[dict[str, Any]] = []
        self.webhook_active = False
        self.allowed_updates: list[str] | None = None
        self._pushed: dict[int, dict[str, Any]] = {}
        self._next_id = 1
        self._poll_generation = 0
        self.closed = False
        self.polls_waiting = 0

    async def push(self, update: dict[str, Any], *, keep_id: bool = False) -> int:
        """Queue an update; it gets the next id unless ``keep_id`` and it has one."""
        update = copy.deepcopy(update)
        async with self.condition:
            if not keep_id or "update_id" not in update:
                update["update_id"] = self._next_id
            self._next_id = max(self._next_id, int(update["update_id"]) + 1)
            self._pushed.setdefault(update["update_id"], copy.deepcopy(update))
            self.pending.append(update)
            self.condition.notify_all()
        return int(update["update_id"])

    def pushed(self, update_id: int) -> dict[str, Any] | None:
        original = self._pushed.get(update_id)
        return copy.deepcopy(original) if original is not None else None

    async def get_updates(
        self, *, offset: int | None, limit: int, wait_seconds: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        async with self.condition:
            if self.webhook_active:
                raise ApiError(409, CONFLICT_WEBHOOK)
            self._poll_generation += 1
            generation = self._poll_generation
            self.condition.notify_all()
            if allowed is not None:
                self.allowed_updates = allowed or None
            self._confirm(offset)
            self.polls_waiting += 1
            try:
                return await self._wait_batch(generation, limit, wait_seconds)
            finally:
                self.polls_waiting -= 1

    async def _wait_batch(
        self, generation: int, limit: int, wait_seconds: float
    ) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(wait_seconds, 0.0), MAX_POLL_TIMEOUT)
        limit = min(max(limit, 1), MAX_LIMIT)
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT_POLLING)
            if self.webhook_active:
                raise ApiError(409, CONFLICT_WEBHOOK)
            batch = self._batch(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self.closed:
                return batch
            try:
                await asyncio.wait_for(self.condition.wait(), remaining)
            except TimeoutError:
                continue

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
            return
        self.pending = [update for update in self.pending if update["update_id"] >= offset]

    def _batch(self, limit: int) -> list[dict[str, Any]]:
        self.pending = [u for u in self.pending if is_allowed(u, self.allowed_updates)]
        return copy.deepcopy(self.pending[:limit])

    def drop_pending(self) -> None:
        self.pending.clear()

    async def close(self) -> None:
        """Release waiting polls with an empty batch, so the server can stop at once."""
        async with self.condition:
            self.closed = True
            self.condition.notify_all()

    async def set_webhook_active(self, active: bool) -> None:
        async with self.condition:
            self.webhook_active = active
            self.condition.notify_all()
