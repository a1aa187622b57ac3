"""A user's past jobs: pages of them, one in detail, and its result sent again.

A user reads only their own jobs: a job id of someone else (or of nothing) is a stale button.
Sending a result again goes straight through the `Messenger`, not through the deliveries table:
that table records the one delivery the lifecycle owes; a re-send is a new request of the user,
and repeating it is their choice.

Pages are numbered from the newest job and read with the jobs repository's newest-first list,
so page n reads (n + 1) × size + 1 rows: cheap for the pages people actually open.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import structlog

from trt.domain.errors import StaleButtonError
from trt.domain.jobs import FailReason, JobStatus
from trt.services.delivery import result_files
from trt.services.ports import (
    DeliveryTemporarilyFailed,
    Messenger,
    RecipientUnavailable,
    ResultFileRef,
    ResultFileUnavailable,
)
from trt.storage import jobs
from trt.storage.database import Database
from trt.storage.jobs import Job

log = structlog.get_logger(__name__)

PAGE_SIZE = 8


@dataclass(frozen=True, slots=True)
class PastJob:
    id: int
    model_id: str
    status: JobStatus
    is_free: bool
    price: int
    inputs: Mapping[str, Any]  # JSON form (domain.inputs.to_json_values)
    fail_reason: FailReason | None
    created_at: datetime
    files: tuple[ResultFileRef, ...]


@dataclass(frozen=True, slots=True)
class HistoryPage:
    jobs: list[PastJob]
    page: int  # the page shown (a page past the end shows the last one)
    offset: int  # how many newer jobs come before this page
    has_next: bool


class ResendOutcome(StrEnum):
    SENT = "sent"
    EXPIRED = "expired"  # the provider no longer serves the files
    UNAVAILABLE = "unavailable"  # Telegram or the provider failed for now: try later
    NOTHING = "nothing"  # the job has no result files (not succeeded)


def _past(job: Job) -> PastJob:
    return PastJob(
        id=job.id,
        model_id=job.model_id,
        status=job.status,
        is_free=job.is_free,
        price=job.price,
        inputs=job.inputs,
        fail_reason=job.fail_reason,
        created_at=job.created_at,
        files=tuple(result_files(job.result)) if job.status is JobStatus.SUCCEEDED else (),
    )


class HistoryService:
    def __init__(self, *, db: Database, messenger: Messenger, page_size: int = PAGE_SIZE) -> None:
        self._db = db
        self._messenger = messenger
        self._page_size = page_size

    async def page(self, *, user_id: int, page: int) -> HistoryPage:
        """The user's jobs on page `page` (0: the newest), clamped to the pages that exist."""
        size, page = self._page_size, max(page, 0)
        async with self._db.read() as tx:
            rows = await jobs.list_for_user(tx, user_id, limit=(page + 1) * size + 1)
        last = max(len(rows) - 1, 0) // size
        page = min(page, last)
        shown = rows[page * size : (page + 1) * size]
        return HistoryPage(
            jobs=[_past(job) for job in shown],
            page=page,
            offset=page * size,
            has_next=len(rows) > (page + 1) * size,
        )

    async def job(self, *, user_id: int, job_id: int) -> PastJob:
        """One of the user's jobs; StaleButtonError for a job that is not theirs."""
        async with self._db.read() as tx:
            job = await jobs.get(tx, job_id)
        if job is None or job.user_id != user_id:
            raise StaleButtonError(f"job {job_id} is not the user's")
        return _past(job)

    async def started_by(self, *, request_key: str) -> int | None:
        """The job a request (a pressed button) has already started, if any."""
        async with self._db.read() as tx:
            job = await jobs.get_by_request(tx, request_key)
        return None if job is None else job.id

    async def resend(self, *, job: PastJob, chat_id: int, language: str | None) -> ResendOutcome:
        """Send the job's result files to the chat again (a past job of `job()`)."""
        if not job.files:
            return ResendOutcome.NOTHING
        try:
            await self._messenger.deliver_result(
                chat_id=chat_id, model_id=job.model_id, files=job.files, language=language
            )
        except ResultFileUnavailable as exc:
            log.info("history.resend_expired", job_id=job.id, error=str(exc))
            return ResendOutcome.EXPIRED
        except (DeliveryTemporarilyFailed, RecipientUnavailable) as exc:
            log.warning("history.resend_failed", job_id=job.id, error=str(exc))
            return ResendOutcome.UNAVAILABLE
        log.info("history.resent", job_id=job.id, files=len(job.files))
        return ResendOutcome.SENT
