"""The job state machine and the schedule of status checks."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trt.domain.jobs import (
    IN_FLIGHT,
    TERMINAL,
    TRANSITIONS,
    CheckSchedule,
    JobStatus,
    can_move,
    sources_of,
)


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
def test_there_is_no_way_out_of_a_terminal_status(terminal: JobStatus) -> None:
    assert all(not can_move(terminal, target) for target in JobStatus)


@pytest.mark.parametrize("status", IN_FLIGHT)
def test_every_in_flight_status_can_fail_and_reach_success(status: JobStatus) -> None:
    assert can_move(status, JobStatus.FAILED)
    reachable, frontier = set(), {status}
    while frontier:
        current = frontier.pop()
        reachable.add(current)
        frontier |= TRANSITIONS[current] - reachable
    assert JobStatus.SUCCEEDED in reachable


def test_sources_are_the_inverse_of_transitions() -> None:
    assert set(sources_of(JobStatus.SUCCEEDED)) == {JobStatus.SUBMITTED, JobStatus.RUNNING}
    assert set(sources_of(JobStatus.SUBMITTED)) == {JobStatus.PENDING}
    assert set(sources_of(JobStatus.FAILED)) == set(IN_FLIGHT)


def checks_until(schedule: CheckSchedule, *, duration: float, expected: float, callbacks: bool):
    """Simulate the reconciler: (number of queries, when the finished task is noticed)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now, queries = start, 0
    while True:
        now = schedule.next_check_at(
            submitted_at=start, now=now, expected=expected, callbacks=callbacks
        )
        queries += 1
        if (now - start).total_seconds() >= duration:
            return queries, (now - start).total_seconds()
        assert queries < 1000


@given(duration=st.floats(min_value=1, max_value=1800))
def test_polling_notices_a_finished_task_within_20_percent_of_its_duration(duration: float) -> None:
    schedule = CheckSchedule()
    _, noticed = checks_until(schedule, duration=duration, expected=20, callbacks=False)
    allowed = min(schedule.max_delay, max(schedule.min_delay, duration * schedule.growth))
    assert noticed - duration <= allowed + 1e-6


def test_a_60_second_task_with_lost_callbacks_costs_at_most_8_queries() -> None:
    queries, noticed = checks_until(CheckSchedule(), duration=60, expected=20, callbacks=True)
    assert queries <= 8
    assert noticed <= 60 * 1.2


def test_with_callbacks_a_task_finishing_as_expected_is_never_queried_early() -> None:
    schedule = CheckSchedule()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first = schedule.next_check_at(submitted_at=start, now=start, expected=120, callbacks=True)
    assert first - start == timedelta(seconds=120 * schedule.callback_margin)


def test_polling_starts_at_the_floor_and_backs_off_to_the_cap() -> None:
    schedule = CheckSchedule()
    assert schedule.next_delay(elapsed=0, expected=20, callbacks=False) == schedule.min_delay
    assert schedule.next_delay(elapsed=3600, expected=20, callbacks=False) == schedule.max_delay
