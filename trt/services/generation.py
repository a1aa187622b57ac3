"""Starting a generation: validate, price, and in ONE transaction create the job and hold its
price (or count a free use). Nothing is sent to KIE here: the job row exists first, and the
reconciler submits it right away (woken) or after a crash (when its lease runs out).
"""

import math
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain import inputs, quota
from trt.domain.catalog import Catalog
from trt.domain.errors import FreeQuotaExhausted, InvalidInputs, TooManyStarts, UserBanned
from trt.domain.ledger import job_hold_key
from trt.domain.pricing import PricingPolicy, quote
from trt.domain.quota import QuotaStatus
from trt.services.metrics import Metrics
from trt.services.model_overrides import Offer
from trt.services.ports import Clock
from trt.storage import free_uses, jobs, ledger, users
from trt.storage.database import Database
from trt.storage.jobs import NewJob

log = structlog.get_logger(__name__)

START_WINDOW = timedelta(minutes=1)  # the per-user limit on generation starts counts this span


@dataclass(frozen=True, slots=True)
class StartedJob:
    job_id: int
    price: int
    is_free: bool


class Generation:
    def __init__(
        self,
        *,
        db: Database,
        catalog: Catalog,
        pricing: PricingPolicy,
        clock: Clock,
        free_daily_quota: int,
        on_created: Callable[[], None] = lambda: None,
        metrics: Metrics | None = None,
        offer: Callable[[], Awaitable[Offer]] | None = None,
        starts_per_minute: int = 0,
    ) -> None:
        self._metrics = metrics or Metrics()
        self._starts_per_minute = starts_per_minute  # per user, across instances; 0: no limit
        self._db = db
        self._catalog = catalog
        self._pricing = pricing
        self._clock = clock
        self._free_daily_quota = free_daily_quota
        self._on_created = on_created  # wakes the reconciler so submission starts at once
        # The operator's overrides read afresh (a switched-off model is refused, a fixed price
        # is held); without it the catalog and pricing above are used as they are.
        self._offer = offer

    async def start(
        self,
        *,
        user_id: int,
        chat_id: int,
        model_id: str,
        values: Mapping[str, object],
        status_message_id: int | None = None,
        request_key: str | None = None,
    ) -> StartedJob:
        """Create the job and hold its price; raise a GenerationRefused/MoneyError otherwise.

        With a `request_key` the call is idempotent: a repeat (a double press, a retry) gets the
        job the first call started, and nothing more is held.
        """
        if request_key is not None and (known := await self._started_by(request_key)):
            return known
        offer = await self._offer() if self._offer else Offer(self._catalog, self._pricing)
        model = offer.catalog.get(model_id)  # ModelUnavailable when switched off: nothing held
        checked = inputs.validate(model, values)
        if not checked.ok:
            raise InvalidInputs(checked.problems)
        price = quote(model, checked.values, offer.pricing)
        now = self._clock.now()
        new_job = NewJob(
            user_id=user_id,
            chat_id=chat_id,
            model_id=model.id,
            family=model.family.value,
            is_free=model.free,
            price=price.price,
            sku=price.sku,
            credits_quoted=price.credits,
            inputs=inputs.to_json_values(checked.values),
            correlation_id=uuid.uuid4().hex[:16],
            deadline_at=now + timedelta(seconds=model.deadline_seconds),
            request_key=request_key,
        )
        try:
            job_id = await self._create(new_job, status_message_id=status_message_id)
        except IntegrityError:
            # A concurrent call with the same request key won the unique index: use its job.
            if request_key is None or (known := await self._started_by(request_key)) is None:
                raise
            return known
        log.info(
            "job.created",
            job_id=job_id,
            model=model.id,
            price=price.price,
            correlation_id=new_job.correlation_id,
            user_id=user_id,
        )
        self._metrics.jobs.labels(model.id, "created").inc()
        self._on_created()
        return StartedJob(job_id=job_id, price=price.price, is_free=model.free)

    async def _check_start_rate(self, tx: AsyncConnection, *, user_id: int, now: datetime) -> None:
        """At most `starts_per_minute` jobs per user in any 60 s, counted in the database."""
        limit = self._starts_per_minute
        if limit <= 0:
            return
        oldest = await jobs.nth_latest_start(tx, user_id, limit)
        if oldest is not None and now - oldest < START_WINDOW:
            wait = START_WINDOW - (now - oldest)
            raise TooManyStarts(limit=limit, retry_after=max(1, math.ceil(wait.total_seconds())))

    async def _create(self, job: NewJob, *, status_message_id: int | None) -> int:
        """The job row and its hold (or free use), in one transaction."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            profile = await users.get_user(tx, job.user_id)
            if profile is not None and profile.is_banned:
                raise UserBanned(f"user {job.user_id} is banned")
            await ledger.lock_balance(tx, job.user_id)  # also serializes this user's starts
            await self._check_start_rate(tx, user_id=job.user_id, now=now)
            job_id = await jobs.create(tx, job, now=now)
            if job.is_free:
                await self._count_free_use(tx, user_id=job.user_id, job_id=job_id)
            else:
                await ledger.hold(
                    tx,
                    user_id=job.user_id,
                    amount=job.price,
                    key=job_hold_key(job_id),
                    now=now,
                    reference=f"job:{job_id}",
                )
            if status_message_id is not None:
                await jobs.set_status_message(tx, job_id, status_message_id)
        return job_id

    async def _started_by(self, request_key: str) -> StartedJob | None:
        async with self._db.read() as tx:
            job = await jobs.get_by_request(tx, request_key)
        if job is None:
            return None
        return StartedJob(job_id=job.id, price=job.price, is_free=job.is_free)

    async def free_quota(self, *, user_id: int) -> QuotaStatus:
        now = self._clock.now()
        async with self._db.read() as tx:
            used = await free_uses.used_on(tx, user_id, quota.quota_day(now))
        return QuotaStatus(used=used, limit=self._free_daily_quota, resets_at=quota.resets_at(now))

    async def _count_free_use(self, tx: AsyncConnection, *, user_id: int, job_id: int) -> None:
        now = self._clock.now()
        day = quota.quota_day(now)
        used = await free_uses.used_on(tx, user_id, day)
        if used >= self._free_daily_quota:
            raise FreeQuotaExhausted(limit=self._free_daily_quota, resets_at=quota.resets_at(now))
        await free_uses.record(
            tx, user_id=user_id, day=day, delta=1, key=quota.free_use_key(job_id), now=now
        )
