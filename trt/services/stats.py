"""The operator's figures for a period: users, money in, KIE spend and its cost, margin, jobs."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from trt.domain.jobs import JobStatus
from trt.domain.money import KOPECKS_PER_RUBLE
from trt.domain.pricing import PricingPolicy
from trt.services.ports import Clock
from trt.storage import admin
from trt.storage.database import Database

TOP_MODELS = 5


class Period(StrEnum):
    TODAY = "today"
    WEEK = "week"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class StatsReport:
    period: Period
    new_users: int
    active_users: int
    # kopecks per payment method (any the orders name, `other` without an order), largest first
    topups: dict[str, int]
    revenue: int  # kopecks of every top-up
    captured: int  # kopecks earned by finished jobs
    credits: Decimal  # KIE credits spent
    cost: int  # their price in kopecks
    margin: int  # captured - cost
    jobs_by_status: dict[str, int]
    top_models: list[tuple[str, int]]
    failure_rate: float | None  # failed / finished; None without finished jobs
    avg_seconds: float | None  # mean time to a result of succeeded jobs


class Stats:
    def __init__(self, *, db: Database, clock: Clock, pricing: PricingPolicy) -> None:
        self._db = db
        self._clock = clock
        self._pricing = pricing

    def since(self, period: Period) -> datetime | None:
        now = self._clock.now()
        match period:
            case Period.TODAY:
                return now.replace(hour=0, minute=0, second=0, microsecond=0)
            case Period.WEEK:
                return now - timedelta(days=7)
            case _:
                return None

    async def report(self, period: Period) -> StatsReport:
        since = self.since(period)
        async with self._db.read() as tx:
            new_users = await admin.new_users(tx, since)
            active = await admin.active_users(tx, since)
            topups = await admin.topups_by_method(tx, since)
            captured = await admin.captured(tx, since)
            figures = await admin.job_figures(tx, since, top=TOP_MODELS)
        cost = self.cost(figures.credits)
        succeeded = figures.by_status.get(JobStatus.SUCCEEDED.value, 0)
        failed = figures.by_status.get(JobStatus.FAILED.value, 0)
        timings = figures.seconds_to_result
        return StatsReport(
            period=period,
            new_users=new_users,
            active_users=active,
            topups=dict(sorted(topups.items(), key=lambda item: (-item[1], item[0]))),
            revenue=sum(topups.values()),
            captured=captured,
            credits=figures.credits,
            cost=cost,
            margin=captured - cost,
            jobs_by_status=figures.by_status,
            top_models=figures.top_models,
            failure_rate=failed / (succeeded + failed) if succeeded + failed else None,
            avg_seconds=sum(timings) / len(timings) if timings else None,
        )

    def cost(self, credits: Decimal) -> int:
        """What KIE charges for `credits`, in kopecks (no markup)."""
        rubles = credits * self._pricing.usd_per_credit * self._pricing.rub_per_usd
        return int((rubles * KOPECKS_PER_RUBLE).quantize(Decimal(1), rounding=ROUND_HALF_UP))
