"""A generation job's life: statuses, allowed transitions, when to look at it next.

    pending ──submit──▶ submitted ──▶ running ──▶ succeeded
       │                   │             │
       └──────────────────┴─────────────┴──────▶ failed

`pending`: the job row and its hold exist, KIE has not confirmed a task yet.
`submitted`: KIE gave a task id (queued there). `running`: KIE says it is generating.
`succeeded` / `failed` are terminal: no way out, the hold is captured or released exactly once.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class JobStatus(StrEnum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL


class FailReason(StrEnum):
    """Why a job failed, in words the user is told (each has a message key in the locales)."""

    CONTENT_POLICY = "content_policy"
    INVALID_INPUT = "invalid_input"
    PROVIDER_ERROR = "provider_error"
    TIMEOUT = "timeout"
    SUBMIT_FAILED = "submit_failed"


TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})
IN_FLIGHT = (JobStatus.PENDING, JobStatus.SUBMITTED, JobStatus.RUNNING)

TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.PENDING: frozenset({JobStatus.SUBMITTED, JobStatus.FAILED}),
    JobStatus.SUBMITTED: frozenset({JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED}),
    JobStatus.RUNNING: frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED}),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset(),
}


def can_move(current: JobStatus, target: JobStatus) -> bool:
    return target in TRANSITIONS[current]


def sources_of(target: JobStatus) -> tuple[JobStatus, ...]:
    """Every status a job may be in to move to `target` (for compare-and-set updates)."""
    return tuple(status for status, targets in TRANSITIONS.items() if target in targets)


# Typical time to a result per media kind; the safety-net check in callback mode waits this long
# (plus a margin) so that with working callbacks the reconciler never queries KIE at all.
EXPECTED_SECONDS = {"image": 20.0, "video": 120.0, "audio": 90.0}
DEFAULT_EXPECTED_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class CheckSchedule:
    """When to ask KIE about a running task.

    Without callbacks we poll as KIE advises (2–3 s at first, backing off to 15–30 s): the next
    check comes after 20% of the time already elapsed, clamped to [min_delay, max_delay], so a
    finished task is noticed within ~20% of its duration with O(log duration) queries.
    With callbacks the first check waits for `expected × margin` and then backs off the same
    way: a lost callback is still noticed, a delivered one costs no query.
    """

    min_delay: float = 2.5
    max_delay: float = 30.0
    growth: float = 0.2
    callback_margin: float = 1.2
    expected_scale: float = 1.0  # operators (and tests) may expect results sooner or later

    def next_delay(self, *, elapsed: float, expected: float, callbacks: bool) -> float:
        expected *= self.expected_scale
        if callbacks and elapsed < expected * self.callback_margin:
            return max(self.min_delay, expected * self.callback_margin - elapsed)
        return min(self.max_delay, max(self.min_delay, elapsed * self.growth))

    def next_check_at(
        self, *, submitted_at: datetime, now: datetime, expected: float, callbacks: bool
    ) -> datetime:
        elapsed = max(0.0, (now - submitted_at).total_seconds())
        delay = self.next_delay(elapsed=elapsed, expected=expected, callbacks=callbacks)
        return now + timedelta(seconds=delay)


_CONTENT_POLICY = re.compile(
    r"prohibit|policy|policies|sensitive|flagged|nsfw|moderat|violat|inappropriate|copyright",
    re.IGNORECASE,
)
_INVALID_INPUT_CODES = frozenset({"400", "413", "422", "451"})


def failure_reason(
    *, code: str | None, message: str | None, state: str | None = None
) -> FailReason:
    """Why KIE failed a task, in the words we tell the user."""
    text = " ".join(part for part in (message, state) if part)
    if _CONTENT_POLICY.search(text) or (state or "").upper() == "SENSITIVE_WORD_ERROR":
        return FailReason.CONTENT_POLICY
    if (code or "").strip() in _INVALID_INPUT_CODES:
        return FailReason.INVALID_INPUT
    return FailReason.PROVIDER_ERROR
