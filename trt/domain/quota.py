"""The free tier: a daily number of free-model generations per user, counted by Moscow day.

Moscow has used UTC+3 all year since 2014, so the offset is fixed.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

MOSCOW = timezone(timedelta(hours=3), "MSK")


def quota_day(now: datetime) -> date:
    """The Moscow calendar day `now` falls in."""
    return now.astimezone(MOSCOW).date()


def resets_at(now: datetime) -> datetime:
    """The next Moscow midnight after `now`, as an aware datetime."""
    tomorrow = quota_day(now) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), tzinfo=MOSCOW)


@dataclass(frozen=True, slots=True)
class QuotaStatus:
    used: int
    limit: int
    resets_at: datetime

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


def free_use_key(job_id: int) -> str:
    return f"free-use:{job_id}"


def free_return_key(job_id: int) -> str:
    return f"free-return:{job_id}"
