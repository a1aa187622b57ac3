"""kill -9 at each step of a generation, then a restart: the job completes, the money is
exactly right, and the result reaches the chat once. Real `trt run` processes, the KIE
simulator and the Bot API emulator on loopback, a shared SQLite file."""

import asyncio
import os
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.drivers.process import BASE_ENV, free_port
from trt.domain.catalog import load_catalog
from trt.domain.ledger import EntryKind
from trt.domain.pricing import PricingPolicy
from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.kie import Behaviour, KieSimulator
from trt.services.billing import Billing
from trt.services.crashpoints import CRASH_EXIT_CODE
from trt.services.generation import Generation
from trt.services.ports import SystemClock
from trt.storage import jobs, ledger, migrate
from trt.storage.database import Database

USER = 8800
START_BALANCE = 100_000


class Process:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.env = {**os.environ, **BASE_ENV, **env, "PORT": str(self.port)}
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        log = (self.workdir / f"trt-{self.port}.log").open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "trt",
            "run",
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )

    async def wait_active(self) -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(400):
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/health") as response:
                        if (await response.json())["role"] == "active":
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("the process never became active")

    async def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await asyncio.wait_for(self.proc.wait(), 20)


@pytest.mark.parametrize(
    ("point", "tasks_created"),
    [("submit.before_create", 1), ("submit.after_create", 2), ("settle.after_commit", 1)],
)
async def test_a_crash_at_each_step_is_recovered_with_exact_money(
    tmp_path: Path, point: str, tasks_created: int
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'trt.sqlite3'}"
    database = Database(url)
    await migrate.upgrade(database)
    async with KieSimulator(api_key="k") as kie, BotApiEmulator() as telegram:
        kie.set_behaviour(Behaviour(latency=0.2))
        env = {
            "DATABASE_URL": url,
            "BOT_TOKEN": telegram.token,
            "KIE_API_KEY": "k",
            "TELEGRAM_API_BASE": telegram.base_url,
            "KIE_API_BASE": kie.base_url,
            "KIE_UPLOAD_BASE": kie.base_url,
            "CHECK_MIN_DELAY": "0.2",
            "RECONCILE_LEASE_SECONDS": "2",
        }
        telegram.user(user_id=USER)  # the chat exists, so the bot may write to it
        first, second = Process(tmp_path, {**env, "TEST_CRASH_AT": point}), Process(tmp_path, env)
        try:
            await first.start()
            await first.wait_active()
            price = await start_a_job(database)

            assert await first.wait_exit(timeout=30) == CRASH_EXIT_CODE
            await second.start()
            await telegram.wait_until(lambda: len(telegram.sent("sendPhoto")) >= 1, timeout=30)
            await asyncio.sleep(1.0)  # room for a (wrong) second delivery
        finally:
            await first.stop()
            await second.stop()

        async with database.read() as tx:
            balance = await ledger.get_balance(tx, USER)
            sums = await ledger.ledger_sums(tx, USER)
            [job] = await jobs.list_for_user(tx, USER, limit=5)
        await database.dispose()
        assert job.status.value == "succeeded"
        assert (balance.available, balance.held) == (START_BALANCE - price, 0)
        assert (sums.available, sums.held) == (balance.available, balance.held)
        assert len(telegram.sent("sendPhoto")) == 1
        assert sum(kie.stats().creates.values()) == tasks_created


async def start_a_job(database: Database) -> int:
    clock = SystemClock()
    billing = Billing(db=database, clock=clock)
    await billing.open_account(user_id=USER)
    await billing.credit(user_id=USER, amount=START_BALANCE, kind=EntryKind.TOPUP, key="t-crash")
    generation = Generation(
        db=database,
        catalog=load_catalog(),
        pricing=PricingPolicy(),
        clock=clock,
        free_daily_quota=5,
    )
    started = await generation.start(
        user_id=USER, chat_id=USER, model_id="nano-banana", values={"prompt": "a kiwi"}
    )
    return started.price
