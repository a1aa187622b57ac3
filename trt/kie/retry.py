"""Retry policy: exponential backoff with full jitter, bounded by attempts and a time budget."""

import random
from dataclasses import dataclass


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

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait after failed attempt number `attempt` (1-based): U(0, min(cap, base·2^n))."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(attempt - 1, 32))
        return rng.uniform(0, ceiling)
