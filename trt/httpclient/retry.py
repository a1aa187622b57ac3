"""Bounded retries: exponential backoff with full jitter, limited by attempts and a time budget
that covers the whole call (waits and attempts)."""

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog

log = structlog.get_logger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

MIN_ATTEMPT_TIMEOUT = 0.05


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`budget` (seconds) bounds the whole call, waits and attempts included."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    budget: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.budget <= 0:
            raise ValueError("delays must be non-negative and the budget positive")

    def delay(self, attempt: int, rng: random.Random, *, asked: float | None = None) -> float:
        """The wait after failed attempt `attempt` (1-based): U(0, min(cap, base·2^n)), or the
        server's own wait when it asked for one (capped at `max_delay`)."""
        if asked is not None:
            return min(max(asked, 0.0), self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(attempt - 1, 32))
        return rng.uniform(0, ceiling)


@dataclass(frozen=True, slots=True)
class Retrying:
    """How one client retries: its policy, per-attempt timeout, and (for tests) time and luck."""

    policy: RetryPolicy
    request_timeout: float
    sleep: Sleep
    clock: Callable[[], float]
    rng: random.Random


async def with_retries(
    attempt: Callable[[int, float], Awaitable[T]],
    *,
    retrying: Retrying,
    transient: type[Exception],
    event: str,
    path: str,
) -> T:
    """Run `attempt(number, time_limit)` until it returns, a non-`transient` error propagates,
    or attempts or the budget run out (the last error propagates). Logs `<event>.retry` and
    `<event>.gave_up` with the path, never a URL's host or query."""
    policy = retrying.policy
    started = retrying.clock()
    number = 0
    while True:
        number += 1
        remaining = policy.budget - (retrying.clock() - started)
        time_limit = max(min(retrying.request_timeout, remaining), MIN_ATTEMPT_TIMEOUT)
        try:
            return await attempt(number, time_limit)
        except transient as error:
            delay = policy.delay(number, retrying.rng, asked=getattr(error, "retry_after", None))
            spent = retrying.clock() - started
            fields = {
                "error": type(error).__name__,
                "http_status": getattr(error, "http_status", None),
                "code": getattr(error, "code", None),
                "path": path,
                "attempt": number,
            }
            if number >= policy.max_attempts or spent + delay >= policy.budget:
                log.warning(f"{event}.gave_up", **fields, spent_s=round(spent, 3))
                raise
            log.info(f"{event}.retry", **fields, delay_s=round(delay, 3))
            await retrying.sleep(delay)
