"""One step of a job's life, run by the reconciler for each due job.

- `pending`: upload the user's files to KIE and create the task (the attempt is counted in the
  database BEFORE calling KIE, so a crash mid-call is retried at most `max_submit_attempts`
  times and never charged twice: the hold belongs to the job, not to the attempt).
- `submitted` / `running`: re-read the task from KIE's record endpoint (the truth; callbacks
  only wake us up) and settle it, or schedule the next check.
- past its deadline: fail it and give the money back.
"""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import structlog

from trt.domain import inputs
from trt.domain.catalog import Catalog, ModelSpec
from trt.domain.errors import TrtError
from trt.domain.jobs import (
    DEFAULT_EXPECTED_SECONDS,
    EXPECTED_SECONDS,
    CheckSchedule,
    FailReason,
    JobStatus,
    failure_reason,
)
from trt.kie import (
    KieClient,
    KieError,
    KieInsufficientCredits,
    KieInvalidRequest,
    KiePermanentError,
    KieTaskNotFound,
    TaskRecord,
    TaskState,
    callback_url,
)
from trt.services.crashpoints import CrashPoints
from trt.services.metrics import Metrics
from trt.services.ports import Clock, JobNotifier, MediaSource, MediaUnavailable
from trt.services.settlement import Failure, Settlement
from trt.storage import jobs, users
from trt.storage.database import Database
from trt.storage.jobs import Job

log = structlog.get_logger(__name__)

SUBMIT_RETRY_BASE = timedelta(seconds=5)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CallbackTarget:
    """Where KIE should call us back; absent in a local polling setup."""

    public_base_url: str
    secret: str


class JobProcessor:
    def __init__(
        self,
        *,
        db: Database,
        kie: KieClient,
        catalog: Catalog,
        clock: Clock,
        media: MediaSource,
        notifier: JobNotifier,
        callbacks: CallbackTarget | None,
        schedule: CheckSchedule | None = None,
        max_submit_attempts: int = 5,
        on_delivery_queued: Callable[[], None] = lambda: None,
        metrics: Metrics | None = None,
        crash_points: CrashPoints | None = None,
    ) -> None:
        self._metrics = metrics or Metrics()
        self._crash = crash_points or CrashPoints()
        self._db = db
        self._kie = kie
        self._catalog = catalog
        self._clock = clock
        self._media = media
        self._notifier = notifier
        self._callbacks = callbacks
        self._schedule = schedule or CheckSchedule()
        self._max_submit_attempts = max_submit_attempts
        self._on_delivery_queued = on_delivery_queued
        self._settlement = Settlement(db=db, clock=clock, metrics=self._metrics)

    async def process(self, job: Job) -> None:
        with structlog.contextvars.bound_contextvars(
            correlation_id=job.correlation_id,
            job_id=job.id,
            task_id=job.task_id,
            user_id=job.user_id,
            model=job.model_id,
        ):
            if self._clock.now() >= job.deadline_at:
                await self._fail(job, Failure(FailReason.TIMEOUT))
            elif job.status is JobStatus.PENDING:
                await self._submit(job)
            else:
                await self._check(job)

    async def _submit(self, job: Job) -> None:
        if job.submit_attempts >= self._max_submit_attempts:
            await self._fail(job, Failure(FailReason.SUBMIT_FAILED))
            return
        now = self._clock.now()
        async with self._db.transaction() as tx:
            counted = await jobs.update_in_flight(
                tx, job.id, now=now, submit_attempts=job.submit_attempts + 1
            )
        if not counted:
            return
        self._crash.hit("submit.before_create")
        try:
            task_id = await self._create_task(job)
        except (KieInvalidRequest, MediaUnavailable) as exc:
            await self._fail(job, Failure(FailReason.INVALID_INPUT, message=str(exc)))
        except KiePermanentError as exc:
            reason = failure_reason(code=str(exc.code or exc.http_status or ""), message=str(exc))
            if isinstance(exc, KieInsufficientCredits):
                reason = FailReason.PROVIDER_ERROR
            await self._fail(job, Failure(reason, code=str(exc.code or ""), message=str(exc)))
        except KieError as exc:
            await self._retry_submit_later(job, exc)
        else:
            self._crash.hit("submit.after_create")
            await self._mark_submitted(job, task_id)

    async def _create_task(self, job: Job) -> str:
        model = self._catalog.get(job.model_id)
        values = inputs.from_json_values(job.inputs)
        uploaded = {}
        for media in inputs.media_inputs(values):
            data = await self._media.fetch(media.ref)
            upload = self._kie.upload_bytes(
                data=data,
                file_name=media.file_name or f"{media.ref[-24:]}.jpg",
                mime_type=media.mime_type,
            )
            uploaded[media.ref] = await self._timed("upload", upload)
        fields = inputs.build_kie_fields(model, values, uploaded)
        target = self._callbacks
        url = callback_url(target.public_base_url, str(job.id), target.secret) if target else None
        create = self._kie.create_task(
            family=model.family, kie_model=model.kie_model, fields=fields, callback_url=url
        )
        return await self._timed("create", create)

    async def _mark_submitted(self, job: Job, task_id: str) -> None:
        now = self._clock.now()
        next_check = self._schedule.next_check_at(
            submitted_at=now,
            now=now,
            expected=_expected(self._catalog, job),
            callbacks=self._callbacks is not None,
        )
        async with self._db.transaction() as tx:
            moved = await jobs.move(
                tx,
                job.id,
                to=JobStatus.SUBMITTED,
                sources=[JobStatus.PENDING],
                now=now,
                task_id=task_id,
                submitted_at=now,
                next_check_at=next_check,
            )
        log.info("job.submitted", task_id=task_id, attempt=job.submit_attempts + 1, moved=moved)
        if moved:
            await self._notify_progress(job, JobStatus.SUBMITTED)

    async def _retry_submit_later(self, job: Job, error: KieError) -> None:
        now = self._clock.now()
        delay = SUBMIT_RETRY_BASE * (2 ** min(job.submit_attempts, 6))
        async with self._db.transaction() as tx:
            await jobs.update_in_flight(tx, job.id, now=now, next_check_at=now + delay)
        log.warning("job.submit_retry", error=type(error).__name__, retry_in=delay.total_seconds())

    async def _check(self, job: Job) -> None:
        assert job.task_id is not None
        model = self._catalog.get(job.model_id)
        try:
            record = await self._timed(
                "record", self._kie.get_record(family=model.family, task_id=job.task_id)
            )
        except KieTaskNotFound:
            record = None  # KIE may not list a fresh task yet; the deadline bounds the wait
        except KieError as exc:
            log.warning("job.check_failed", error=type(exc).__name__, code=exc.code)
            record = None
        if record is not None and record.state is TaskState.SUCCEEDED:
            await self._succeed(job, record)
        elif record is not None and record.state is TaskState.FAILED:
            reason = failure_reason(
                code=record.fail_code, message=record.fail_message, state=record.raw_state
            )
            await self._fail(job, Failure(reason, record.fail_code, record.fail_message))
        else:
            running = record is not None and record.state is TaskState.RUNNING
            await self._schedule_next(job, model, running=running)

    async def _schedule_next(self, job: Job, model: ModelSpec, *, running: bool) -> None:
        now = self._clock.now()
        next_check = self._schedule.next_check_at(
            submitted_at=job.submitted_at or job.created_at,
            now=now,
            expected=_expected(self._catalog, job),
            callbacks=self._callbacks is not None,
        )
        async with self._db.transaction() as tx:
            if running and job.status is JobStatus.SUBMITTED:
                await jobs.move(
                    tx, job.id, to=JobStatus.RUNNING, sources=[JobStatus.SUBMITTED], now=now
                )
            await jobs.update_in_flight(
                tx, job.id, now=now, next_check_at=next_check, check_count=job.check_count + 1
            )
        if running:
            await self._notify_progress(job, JobStatus.RUNNING)

    async def _succeed(self, job: Job, record: TaskRecord) -> None:
        if not record.results:
            await self._fail(job, Failure(FailReason.PROVIDER_ERROR, message="no result files"))
            return
        if await self._settlement.succeed(job, record):
            self._crash.hit("settle.after_commit")
            self._on_delivery_queued()
            language = await self._language(job.user_id)
            await _quietly(
                self._notifier.succeeded(
                    chat_id=job.chat_id,
                    message_id=job.status_message_id,
                    model_id=job.model_id,
                    elapsed=self._elapsed(job),
                    language=language,
                )
            )

    async def _fail(self, job: Job, failure: Failure) -> None:
        if await self._settlement.fail(job, failure):
            language = await self._language(job.user_id)
            await _quietly(
                self._notifier.failed(
                    chat_id=job.chat_id,
                    message_id=job.status_message_id,
                    model_id=job.model_id,
                    reason=failure.reason,
                    refunded=0 if job.is_free else job.price,
                    is_free=job.is_free,
                    language=language,
                )
            )

    async def _notify_progress(self, job: Job, status: JobStatus) -> None:
        language = await self._language(job.user_id)
        await _quietly(
            self._notifier.progress(
                chat_id=job.chat_id,
                message_id=job.status_message_id,
                model_id=job.model_id,
                status=status,
                elapsed=self._elapsed(job),
                language=language,
            )
        )

    async def _timed(self, operation: str, call: Awaitable[T]) -> T:
        started = time.perf_counter()
        outcome = "ok"
        try:
            return await call
        except KieError as exc:
            outcome = type(exc).__name__
            raise
        finally:
            seconds = time.perf_counter() - started
            self._metrics.kie_seconds.labels(operation, outcome).observe(seconds)

    async def _language(self, user_id: int) -> str | None:
        async with self._db.read() as tx:
            profile = await users.get_user(tx, user_id)
        return profile.language if profile else None

    def _elapsed(self, job: Job) -> float:
        return max(0.0, (self._clock.now() - job.created_at).total_seconds())


def _expected(catalog: Catalog, job: Job) -> float:
    try:
        kind = catalog.get(job.model_id).result.value
    except TrtError:
        return DEFAULT_EXPECTED_SECONDS
    return EXPECTED_SECONDS.get(kind, DEFAULT_EXPECTED_SECONDS)


async def _quietly(notice: Awaitable[None]) -> None:
    """A progress notice is a courtesy: its failure must not undo or repeat the job's step."""
    try:
        await notice
    except Exception:  # boundary: a notice never breaks the lifecycle
        log.warning("job.notice_failed", exc_info=True)
