"""One chaos run: play a plan's actions and faults against a real bot process, then restart
everything, let it settle, and check the invariants.

Settling stands in for time passing. After the last action the harness heals every fault,
kills the bot (-9) and, with no bot process alive, brings every scheduled time forward to now:
the dead process's delivery leases (two minutes in production), delivery retries and job
checks. Stuck KIE tasks are resolved as time would resolve them: completed late at KIE, or
left to run into their job's deadline (minutes in production), which the harness brings
forward. Then a fresh bot starts and must finish everything within SETTLE_TIMEOUT.
"""

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from tests.chaos import invariants
from tests.chaos.plan import (
    Block,
    DbCut,
    Fault,
    Generate,
    KieBehaviour,
    KieFault,
    Kill,
    Plan,
    TelegramFault,
    TopUp,
)
from tests.chaos.users import Outcomes, Users
from tests.chaos.world import FREE_DAILY_QUOTA, Stage, World, why_exited
from trt.sandbox.kie import Behaviour, Outcome
from trt.sandbox.kie import Fault as SimFault
from trt.services.crashpoints import CRASH_EXIT_CODE
from trt.storage.tables import deliveries, jobs

ACT_TIMEOUT = 60.0  # the actions and the users' flows, after the last one started
SETTLE_TIMEOUT = 45.0
DRAIN_TIMEOUT = 5.0
DRAIN_MARGIN = 0.3  # for PostgreSQL to apply what reached it
QUIET_SECONDS = 0.5  # nothing may change in this long once settled (late duplicates)
RESTART_PAUSE = 0.2
IN_FLIGHT = ("pending", "submitted", "running")
CALLBACK_FAULTS = {
    "duplicate": Fault.CALLBACK_DUPLICATE,
    "out_of_order": Fault.CALLBACK_OUT_OF_ORDER,
    "lost": Fault.CALLBACK_LOST,
    "delayed": Fault.CALLBACK_DELAYED,
}


@dataclass
class RunReport:
    seed: int
    seconds: float = 0.0
    faults: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    outcomes: Outcomes = field(default_factory=Outcomes)
    bot_starts: int = 0
    self_exits: list[str] = field(default_factory=list)  # why the bot died on its own
    # Result messages sent twice because a kill -9 fell between Telegram's accept and the
    # progress commit: the window trt/services/delivery.py documents, reported apart.
    kill_window: list[str] = field(default_factory=list)


async def run_plan(world: World, plan: Plan) -> RunReport:
    started = time.monotonic()
    report = RunReport(seed=plan.seed)
    async with world.stage(plan.seed) as stage:
        chaos = Chaos(world, stage, plan, report)
        await chaos.run()
        report.bot_starts = stage.starts
    report.seconds = time.monotonic() - started
    return report


class Chaos:
    def __init__(self, world: World, stage: Stage, plan: Plan, report: RunReport) -> None:
        self.world = world
        self.stage = stage
        self.plan = plan
        self.report = report
        self.faults = report.faults
        self.users = Users(db=world.db, free_quota=FREE_DAILY_QUOTA)
        self.report.outcomes = self.users.outcomes
        self.blocked: set[int] = set()
        self.deaths: list[float] = []  # when a bot process was killed or died (wall clock)
        self.outages: list[list[float]] = []  # [start, end] of each DB cut or outage (wall clock)
        self._kie_armed: Counter[Fault] = Counter()
        self._restart = asyncio.Lock()
        self._rng = random.Random(plan.seed ^ 0x5EED)
        # Every (re)start carries the crash point until a process has died at it once.
        self._crash_at = plan.crash_point

    async def run(self) -> None:
        for user in self.plan.users:
            key = f"chaos-grant:{self.plan.seed}:{user.user_id}"
            await self.users.open(user.user_id, grant=user.grant, key=key)
            self.stage.telegram.user(user_id=user.user_id, language_code="en")
        self.stage.kie.set_behaviour(self.plan.first_behaviour)
        await self.stage.start_bot(crash_at=self._crash_at)
        await self.stage.wait_active()
        watcher = asyncio.create_task(self._watch())
        try:
            await self._act()
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        self._count_served_faults()
        await self._settle()
        state = await invariants.snapshot(self.world.db)
        expect = invariants.Expectations(
            grants={user.user_id: user.grant for user in self.plan.users},
            blocked=frozenset(self.blocked),
            free_quota=FREE_DAILY_QUOTA,
            kills=tuple(self.deaths),
            outages=tuple((start, end) for start, end in self.outages),
        )
        self.report.violations += invariants.check(state, self.stage.telegram, expect)
        self.report.kill_window += invariants.kill_window_duplicates(
            state, self.stage.telegram, expect.kills, expect.outages
        )
        self.report.violations += self.users.outcomes.double_starts or []
        self._count_task_faults()

    async def _act(self) -> None:
        loop = asyncio.get_running_loop()
        begin = loop.time()
        running = []
        for number, event in enumerate(self.plan.events):
            await asyncio.sleep(max(0.0, begin + event.at - loop.time()))
            running.append(asyncio.create_task(self._do(number, event.action)))
        await asyncio.wait_for(asyncio.gather(*running), ACT_TIMEOUT)

    async def _do(self, number: int, action: object) -> None:
        stage = self.stage
        match action:
            case Generate():
                key = f"chaos:{self.plan.seed}:{number}"
                if action.twice:
                    self.faults[Fault.DUPLICATE_START] += 1
                await self.users.generate(
                    user_id=action.user_id,
                    model_id=action.model_id,
                    prompt=action.prompt,
                    request_key=key,
                    twice=action.twice,
                )
            case TopUp():
                await self.users.top_up(stage.telegram, user_id=action.user_id, stars=action.stars)
            case Kill():
                await self._kill(action.restart_after)
            case KieBehaviour():
                stage.kie.set_behaviour(action.behaviour)
            case KieFault():
                self._inject_kie(action)
            case TelegramFault():
                retry_after = 1 if action.status == 429 else None
                stage.telegram.fail_next(
                    action.method, action.status, retry_after=retry_after, count=action.count
                )
            case Block():
                await self._block(action.user_id, action.seconds)
            case DbCut():
                now = time.time()
                self.outages.append([now, now + action.outage_seconds])
                if action.outage_seconds > 0:
                    self.world.proxy.refuse_for(action.outage_seconds)
                    self.faults[Fault.DB_OUTAGE] += 1
                else:
                    self.world.proxy.cut()
                    self.faults[Fault.DB_CUT] += 1

    async def _kill(self, restart_after: float) -> None:
        async with self._restart:
            bot = self.stage.bot
            if bot is None or not bot.alive:
                return
            self.deaths.append(time.time())
            await bot.kill()
            self.faults[Fault.KILL] += 1
            await asyncio.sleep(restart_after)
            await self.stage.start_bot(crash_at=self._crash_at)

    async def _watch(self) -> None:
        """A bot that died by itself (a crash point, a crashed worker) is started again."""
        while True:
            bot = self.stage.bot
            assert bot is not None
            await asyncio.wait({bot.exited})
            self.deaths.append(time.time())
            async with self._restart:
                if self.stage.bot is not bot:  # a kill -9 already replaced it
                    continue
                if bot.exit_code == CRASH_EXIT_CODE and self._crash_at:
                    self.faults[Fault.CRASH_POINT] += 1
                    self._crash_at = None
                else:
                    self.report.self_exits.append(why_exited(bot))
                await asyncio.sleep(RESTART_PAUSE)
                await self.stage.start_bot(crash_at=self._crash_at)

    def _inject_kie(self, fault: KieFault) -> None:
        if fault.hang_seconds is not None:
            kind = Fault.KIE_TIMEOUT
            sim = SimFault(
                status=504, count=fault.count, hang=True, hang_seconds=fault.hang_seconds
            )
        else:
            kind = Fault.KIE_429 if fault.status == 429 else Fault.KIE_5XX
            sim = SimFault(status=fault.status, count=fault.count)
        self.stage.kie.inject_fault(sim)
        self._kie_armed[kind] += fault.count

    async def _block(self, user_id: int, seconds: float) -> None:
        user = self.stage.telegram.user(user_id=user_id, language_code="en")
        self.blocked.add(user_id)
        self.faults[Fault.TG_BLOCKED] += 1
        user.block_bot()
        await asyncio.sleep(seconds)
        user.unblock_bot()

    def _count_served_faults(self) -> None:
        """Faults that actually hit a request (an armed one may find no request to hit)."""
        left: Counter[Fault] = Counter()
        for fault in self.stage.kie.faults():
            kind = Fault.KIE_TIMEOUT if fault.hang else Fault.KIE_429
            if not fault.hang and fault.status != 429:
                kind = Fault.KIE_5XX
            left[kind] += fault.count
        self.faults.update(self._kie_armed - left)
        for call in self.stage.telegram.log.entries:
            if call.error is not None and call.error.reason == "injected fault":
                self.faults[Fault.TG_429 if call.error.status == 429 else Fault.TG_5XX] += 1

    def _count_task_faults(self) -> None:
        for task in self.stage.kie.tasks():
            if task.callback in CALLBACK_FAULTS and task.callback_url:
                self.faults[CALLBACK_FAULTS[task.callback]] += 1
            if task.outcome in (Outcome.FAIL.value, Outcome.CONTENT_POLICY.value):
                self.faults[Fault.KIE_FAILED] += 1

    async def _settle(self) -> None:
        stage = self.stage
        stage.kie.clear_faults()
        stage.telegram.faults.clear()
        for user_id in self.blocked:
            stage.telegram.user(user_id=user_id).unblock_bot()
        self.world.proxy.heal()
        healed = time.time()
        for outage in self.outages:  # healed early: the outage ended now
            outage[1] = min(outage[1], healed)
        stage.kie.set_behaviour(Behaviour(latency=0.2))
        async with self._restart:
            self.deaths.append(time.time())
            await stage.stop_bot()  # restart everything: kill -9, then time passes
            await _let_the_dead_finish(self.world)
            await _bring_schedules_forward(self.world)
            await self._resolve_stuck()
            await stage.start_bot()
        await stage.wait_active()
        self.report.violations += await self._wait_settled()

    async def _resolve_stuck(self) -> None:
        async with self.world.db.read() as tx:
            rows = (await tx.execute(sa.select(jobs.c.id, jobs.c.task_id))).all()
        job_of = {task_id: job_id for job_id, task_id in rows if task_id}
        for task in self.stage.kie.tasks():
            if not task.held or task.state in ("success", "fail"):
                continue
            job_id = job_of.get(task.task_id)
            if job_id is not None:
                self.faults[Fault.KIE_STUCK] += 1
            if job_id is not None and self._rng.random() < self.plan.stuck_to_deadline:
                await _reach_deadline(self.world, job_id)
            else:
                outcome = Outcome.SUCCESS if self._rng.random() < 0.7 else Outcome.FAIL
                self.stage.kie.complete_task(task.task_id, outcome=outcome)

    async def _wait_settled(self) -> list[str]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        while loop.time() < deadline:
            if self.stage.bot is None or not self.stage.bot.alive:  # nothing restarts it now
                return [f"the bot died while settling: {self.stage.tail()}"]
            if await settled(self.world, self.stage):
                return []
        return [f"not settled within {SETTLE_TIMEOUT:.0f}s: {await busy(self.world, self.stage)}"]


async def settled(world: World, stage: Stage) -> bool:
    """True once nothing is going on, and still nothing after QUIET_SECONDS."""
    if await busy(world, stage) is not None:
        await asyncio.sleep(0.1)
        return False
    await asyncio.sleep(QUIET_SECONDS)
    return await busy(world, stage) is None


async def busy(world: World, stage: Stage) -> str | None:
    """What is still going on (jobs, deliveries, updates, callbacks), or None at rest."""
    async with world.db.read() as tx:
        flying = await _count(tx, jobs, jobs.c.status.in_(IN_FLIGHT))
        sending = await _count(tx, deliveries, deliveries.c.status.in_(("pending", "sending")))
    updates = len(stage.telegram.ctx.updates.pending)
    callbacks = stage.kie.stats().callbacks.pending
    if flying or sending or updates or callbacks:
        return (
            f"{flying} jobs in flight, {sending} deliveries, {updates} updates, "
            f"{callbacks} callbacks"
        )
    return None


async def _let_the_dead_finish(world: World) -> None:
    """The killed process's last statements (a claim's COMMIT, say) may still be on their way
    through the proxy, which runs in this event loop: let them reach PostgreSQL, so that moving
    leases forward is not overtaken by a claim committed afterwards."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_TIMEOUT
    while world.proxy.open_connections and loop.time() < deadline:
        await asyncio.sleep(0.02)
    await asyncio.sleep(DRAIN_MARGIN)


async def _bring_schedules_forward(world: World) -> None:
    """Time passes while no bot runs: leases run out, retries and checks come due."""
    now = datetime.now(UTC)
    async with world.db.transaction() as tx:
        await tx.execute(
            sa.update(deliveries).where(deliveries.c.status == "sending").values(lease_until=now)
        )
        await tx.execute(
            sa.update(deliveries)
            .where(deliveries.c.status == "pending", deliveries.c.due_at > now)
            .values(due_at=now)
        )
        await tx.execute(
            sa.update(jobs)
            .where(jobs.c.status.in_(IN_FLIGHT), jobs.c.next_check_at > now)
            .values(next_check_at=now)
        )


async def _reach_deadline(world: World, job_id: int) -> None:
    now = datetime.now(UTC)
    async with world.db.transaction() as tx:
        await tx.execute(
            sa.update(jobs)
            .where(jobs.c.id == job_id, jobs.c.status.in_(IN_FLIGHT))
            .values(deadline_at=now, next_check_at=now)
        )


async def _count(
    tx: sa.ext.asyncio.AsyncConnection, table: sa.Table, where: sa.ColumnElement[bool]
) -> int:
    query = sa.select(sa.func.count()).select_from(table).where(where)
    return int((await tx.execute(query)).scalar_one())
