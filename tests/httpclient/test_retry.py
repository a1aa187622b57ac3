"""The retry loop both outbound clients share: bounded by attempts and by a time budget, waits
within the full-jitter ceiling or the server's own ask, anything not transient at once."""

import random

import pytest

from trt.httpclient import Retrying, RetryPolicy, with_retries


class Transient(Exception):
    def __init__(self, retry_after: float | None = None) -> None:
        super().__init__("try again")
        self.retry_after = retry_after


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def retrying(time: FakeTime, policy: RetryPolicy, timeout: float = 10.0) -> Retrying:
    return Retrying(
        policy=policy,
        request_timeout=timeout,
        sleep=time.sleep,
        clock=time.clock,
        rng=random.Random(7),
    )


def test_full_jitter_waits_stay_under_the_doubling_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (40, 3.0)]:
        waits = [policy.delay(attempt, rng) for _ in range(200)]
        assert all(0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling * 0.8  # spread over the range, not stuck at zero


def test_a_wait_the_server_asked_for_wins_but_is_capped() -> None:
    policy = RetryPolicy(max_delay=3.0)
    rng = random.Random(1)
    assert policy.delay(1, rng, asked=1.25) == 1.25
    assert policy.delay(1, rng, asked=60) == 3.0
    assert policy.delay(1, rng, asked=-5) == 0.0


@pytest.mark.parametrize(
    "fields",
    [{"max_attempts": 0}, {"base_delay": -1}, {"max_delay": -1}, {"budget": 0}],
)
def test_a_policy_that_cannot_work_is_refused(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        RetryPolicy(**fields)  # type: ignore[arg-type]


async def test_transient_failures_are_retried_until_an_answer() -> None:
    time = FakeTime()
    calls: list[tuple[int, float]] = []

    async def attempt(number: int, time_limit: float) -> str:
        calls.append((number, time_limit))
        if number < 3:
            raise Transient(retry_after=0.2)
        return "answer"

    result = await with_retries(
        attempt, retrying=retrying(time, RetryPolicy()), transient=Transient, event="t", path="/x"
    )
    assert result == "answer"
    assert [number for number, _ in calls] == [1, 2, 3]
    assert time.waits == [0.2, 0.2]


async def test_other_errors_propagate_at_once() -> None:
    time = FakeTime()
    calls = 0

    async def attempt(number: int, time_limit: float) -> str:
        nonlocal calls
        calls += 1
        raise KeyError("not ours to retry")

    with pytest.raises(KeyError):
        await with_retries(
            attempt,
            retrying=retrying(time, RetryPolicy()),
            transient=Transient,
            event="t",
            path="/x",
        )
    assert calls == 1
    assert time.waits == []


async def test_attempts_and_the_budget_both_bound_the_call() -> None:
    time = FakeTime()
    limits: list[float] = []

    async def attempt(number: int, time_limit: float) -> str:
        limits.append(time_limit)
        time.now += time_limit  # every attempt times out
        raise Transient()

    policy = RetryPolicy(max_attempts=50, base_delay=1, max_delay=1, budget=9)
    with pytest.raises(Transient):
        await with_retries(
            attempt,
            retrying=retrying(time, policy, timeout=4),
            transient=Transient,
            event="t",
            path="/x",
        )
    assert time.now <= 9 + 1  # the last attempt is cut to what the budget has left
    assert limits[0] == 4
    assert min(limits) >= 0.05
    assert len(limits) < 50

    time = FakeTime()
    attempts = 0

    async def fails(number: int, time_limit: float) -> str:
        nonlocal attempts
        attempts += 1
        raise Transient()

    with pytest.raises(Transient):
        await with_retries(
            fails,
            retrying=retrying(time, RetryPolicy(max_attempts=3, budget=1000)),
            transient=Transient,
            event="t",
            path="/x",
        )
    assert attempts == 3
