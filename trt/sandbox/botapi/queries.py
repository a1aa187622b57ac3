"""Callback and pre-checkout queries waiting for the bot's answer.

The user side opens a query and awaits its future; ``answerCallbackQuery`` or
``answerPreCheckoutQuery`` resolves it. A query answered twice, unknown, or past its deadline
gets Telegram's "query is too old" 400.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trt.sandbox.botapi.errors import QUERY_TOO_OLD, bad_request

CALLBACK_MAX_AGE = 15.0
PRE_CHECKOUT_DEADLINE = 10.0


@dataclass
class PendingQuery:
    kind: str
    query_id: str
    expires_at: float
    answer: asyncio.Future[dict[str, Any]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class QueryBook:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._open: dict[tuple[str, str], PendingQuery] = {}

    def open(self, kind: str, query_id: str, *, max_age: float) -> PendingQuery:
        query = PendingQuery(kind, query_id, self._clock() + max_age)
        self._open[(kind, query_id)] = query
        return query

    def is_open(self, kind: str, query_id: str) -> bool:
        return (kind, query_id) in self._open

    def answer(self, kind: str, query_id: str, answer: dict[str, Any]) -> None:
        query = self._open.pop((kind, query_id), None)
        if query is None or self._clock() > query.expires_at or query.answer.done():
            raise bad_request(QUERY_TOO_OLD)
        query.answer.set_result(answer)

    def cancel_all(self) -> None:
        for query in self._open.values():
            query.answer.cancel()
        self._open.clear()
