"""Two `trt run` processes on one PostgreSQL.

Polling: the leader is killed (-9) with jobs in flight (held running at KIE) and an update
waiting; the passive instance takes over `getUpdates`, finishes every job, answers the waiting
update, and nothing reaches a chat twice. Webhook: the same update delivered to both instances
at once (a Telegram retry landing on the other replica) has one effect.
"""

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from tests.chaos import invariants
from tests.chaos.runner import busy, settled
from tests.chaos.users import Users
from tests.chaos.world import FREE_DAILY_QUOTA, Stage, World, wait_role
from tests.drivers.launcher import BotProcess
from tests.drivers.process import free_port
from trt.domain.ledger import telegram_charge_key
from trt.sandbox.botapi import StoredMessage, UserDriver
from trt.sandbox.kie import Behaviour, Outcome
from trt.storage.tables import jobs

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.postgres]

USERS = (7701, 7702, 7703)
GRANT = 10_000
WEBHOOK_SECRET = "chaos-webhook-secret"
SETTLE_TIMEOUT = 30.0


@asynccontextmanager
async def instances(stage: Stage, envs: list[dict[str, str]]) -> AsyncIterator[list[BotProcess]]:
    started: list[BotProcess] = []
    try:
        for number, env in enumerate(envs):
            log = stage.rundir / f"instance-{number}.log"
            started.append(await stage.world.launcher.spawn(env, cwd=stage.rundir, log=log))
            await wait_role(int(env["PORT"]), "active" if number == 0 else "passive")
        yield started
    finally:
        for process in started:
            await process.kill()


def env_for(stage: Stage, port: int, **settings: str) -> dict[str, str]:
    return stage.env(crash_at=None) | {"PORT": str(port)} | settings


def texts(user: UserDriver, prefix: str) -> list[StoredMessage]:
    return [m for m in user.messages(from_bot=True) if (m.text or "").startswith(prefix)]


async def wait_settled(world: World, stage: Stage) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_TIMEOUT
    while not await settled(world, stage):
        assert loop.time() < deadline, await busy(world, stage)


async def stored_task_ids(world: World) -> list[str]:
    """Every job's task id, once all are stored. A job the killed leader had submitted without
    recording the task id yet is submitted again by the survivor after its lease (CI once saw
    this): the task to finish is the recorded one, not the orphan left at KIE."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_TIMEOUT
    while True:
        async with world.db.read() as tx:
            query = sa.select(jobs.c.task_id).order_by(jobs.c.id)
            task_ids = [row[0] for row in await tx.execute(query)]
        if len(task_ids) == 2 * len(USERS) and all(task_ids):
            return task_ids
        assert loop.time() < deadline, f"task ids stored: {task_ids}"
        await asyncio.sleep(0.1)


async def test_a_killed_leader_hands_polling_over_and_every_job_ends_once(
    chaos_world: World,
) -> None:
    world = chaos_world
    async with world.stage(seed=7700) as stage:
        telegram, kie = stage.telegram, stage.kie
        kie.set_behaviour(Behaviour(latency=0.3, hold=True))  # every task stays running
        # A local polling setup: no public URL, so no KIE callbacks; the reconcilers poll KIE.
        envs = [env_for(stage, free_port()) for _ in range(2)]
        for env in envs:
            del env["PUBLIC_BASE_URL"], env["CALLBACK_SECRET"]
        async with instances(stage, envs) as (leader, _):
            users = [telegram.user(user_id=user_id, language_code="en") for user_id in USERS]
            for user in users:
                await user.send_command("/start")
                await user.wait_for(lambda m: (m.text or "").startswith("Hi,"))
            starter = Users(db=world.db, free_quota=FREE_DAILY_QUOTA)
            for number, user_id in enumerate(USERS):
                await starter.open(user_id, grant=GRANT, key=f"leadership:{user_id}")
                for model in ("nano-banana", "z-image"):
                    await starter.generate(
                        user_id=user_id,
                        model_id=model,
                        prompt=f"prompt {number} {model}",
                        request_key=f"leadership:{user_id}:{model}",
                        twice=False,
                    )
            await telegram.wait_until(lambda: len(kie.tasks()) == 2 * len(USERS), timeout=20)

            await leader.kill()
            await users[0].send_command("/help")  # waits for whoever polls next
            await wait_role(int(envs[1]["PORT"]), "active", timeout=15)
            outcomes = itertools.chain([Outcome.FAIL], itertools.repeat(Outcome.SUCCESS))
            for task_id, outcome in zip(await stored_task_ids(world), outcomes, strict=False):
                kie.complete_task(task_id, outcome=outcome)
            await wait_settled(world, stage)

        state = await invariants.snapshot(world.db)
        expect = invariants.Expectations(
            grants=dict.fromkeys(USERS, GRANT), blocked=frozenset(), free_quota=FREE_DAILY_QUOTA
        )
        assert invariants.check(state, telegram, expect) == []
        assert [job["status"] for job in state.jobs].count("succeeded") == 2 * len(USERS) - 1
        assert invariants.duplicate_sends(telegram) == []
        assert len(texts(users[0], "How it works")) == 1
        assert [len(texts(user, "Hi,")) for user in users] == [1, 1, 1]


async def post_both(ports: list[int], update: dict[str, Any]) -> list[int]:
    """The same update to every instance at once, as a balancer could pass on a retry."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    async with aiohttp.ClientSession() as http:

        async def post(port: int) -> int:
            url = f"http://127.0.0.1:{port}/telegram/webhook"
            async with http.post(url, json=update, headers=headers) as answer:
                return answer.status

        return list(await asyncio.gather(*(post(port) for port in ports)))


async def test_one_update_sent_to_two_webhook_instances_at_once_has_one_effect(
    chaos_world: World,
) -> None:
    world = chaos_world
    async with world.stage(seed=7701) as stage:
        telegram = stage.telegram
        ports = [free_port(), free_port()]
        public = f"http://127.0.0.1:{ports[0]}"  # the emulator delivers to the first one
        mode = {"BOT_MODE": "webhook", "WEBHOOK_SECRET": WEBHOOK_SECRET, "PUBLIC_BASE_URL": public}
        async with instances(stage, [env_for(stage, port, **mode) for port in ports]):
            await telegram.wait_until(lambda: bool(telegram.sent("setWebhook")), timeout=20)
            user = telegram.user(user_id=USERS[0], language_code="en")
            start = {
                "message_id": 1,
                "date": 0,
                "chat": {"id": user.user_id, "type": "private"},
                "from": user.user,
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
            assert await post_both(ports, {"update_id": 900_001, "message": start}) == [200, 200]
            await user.wait_for(lambda m: (m.text or "").startswith("Hi,"))

            await user.send_command("/topup")
            await user.wait_for(
                lambda m: any(b["text"].startswith("50 ⭐") for r in m.buttons for b in r)
            )
            before = user.last_message()
            await user.click("50 ⭐ → 100 ₽")
            invoice = await user.wait_for(lambda m: m.kind == "invoice", since=before)
            outcome = await user.pay(invoice, deadline=5)
            assert outcome.ok
            assert outcome.payment_update_id is not None
            paid = telegram.ctx.updates.pushed(outcome.payment_update_id)
            assert paid is not None
            assert await post_both(ports, paid) == [200, 200]  # a third and fourth delivery
            await user.wait_for(lambda m: (m.text or "").startswith("✅ Payment received"))
            await asyncio.sleep(1.0)  # room for a (wrong) second effect

        state = await invariants.snapshot(world.db)
        charge = telegram_charge_key(outcome.telegram_payment_charge_id or "")
        assert state.entries[charge]["available_delta"] == GRANT
        assert invariants.payments_once(state, telegram) == []
        assert len(texts(user, "Hi,")) == 1
        assert len(texts(user, "✅ Payment received")) == 1
