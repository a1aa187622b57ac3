"""The callback intake on a real database: a callback only makes a submitted job due; one that
outruns the stored task id waits for it instead of letting a second worker submit again."""

import asyncio
import json
from datetime import timedelta
from decimal import Decimal

from tests.conftest import ManualClock
from trt.domain.jobs import JobStatus
from trt.kie import sign_job
from trt.services.callbacks import CallbackIntake, CallbackOutcome
from trt.storage import jobs, users
from trt.storage.database import Database
from trt.storage.jobs import NewJob

SECRET = "s3cret"


async def pending_job(db: Database, clock: ManualClock) -> int:
    async with db.transaction() as tx:
        await users.ensure_user(tx, user_id=3, now=clock.now())
        job_id = await jobs.create(
            tx,
            NewJob(
                user_id=3,
                chat_id=3,
                model_id="z-image",
                family="market",
                is_free=True,
                price=0,
                sku="z-image",
                credits_quoted=Decimal(1),
                inputs={"prompt": "x"},
                correlation_id="c",
                deadline_at=clock.now() + timedelta(minutes=10),
            ),
            now=clock.now(),
        )
        await jobs.update_in_flight(
            tx, job_id, now=clock.now(), next_check_at=clock.now() + timedelta(seconds=60)
        )
    return job_id


def intake(db: Database, clock: ManualClock, woken: list[int]) -> CallbackIntake:
    return CallbackIntake(
        db=db, clock=clock, job_secret=SECRET, kie_hmac_key=None, wake=lambda: woken.append(1)
    )


def callback(job_id: int, task_id: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"code": 200, "data": {"taskId": task_id, "state": "success"}}).encode()
    return body, {"job": str(job_id), "sig": sign_job(str(job_id), SECRET)}


async def test_an_early_callback_waits_for_the_task_id_then_wakes(
    db: Database, clock: ManualClock
) -> None:
    job_id = await pending_job(db, clock)
    woken: list[int] = []
    body, query = callback(job_id, "task-early")

    async def submitter_stores_the_task_id() -> None:
        await asyncio.sleep(0.5)
        async with db.transaction() as tx:
            await jobs.move(
                tx,
                job_id,
                to=JobStatus.SUBMITTED,
                sources=[JobStatus.PENDING],
                now=clock.now(),
                task_id="task-early",
            )

    outcome, _ = await asyncio.gather(
        intake(db, clock, woken).accept(body, query, {}), submitter_stores_the_task_id()
    )
    async with db.read() as tx:
        job = await jobs.get(tx, job_id)
    assert outcome is CallbackOutcome.WOKE
    assert job is not None
    assert job.next_check_at == clock.now()
    assert woken == [1]


async def test_a_callback_for_a_job_whose_submitter_died_changes_nothing(
    db: Database, clock: ManualClock
) -> None:
    job_id = await pending_job(db, clock)
    woken: list[int] = []
    body, query = callback(job_id, "orphan-task")

    outcome = await intake(db, clock, woken).accept(body, query, {})
    async with db.read() as tx:
        job = await jobs.get(tx, job_id)
    assert outcome is CallbackOutcome.EARLY
    assert job is not None
    assert job.next_check_at == clock.now() + timedelta(seconds=60)  # the lease stands
    assert woken == []
