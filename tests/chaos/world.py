"""Where chaos runs happen: one PostgreSQL database behind a cuttable proxy, a launcher of
`trt run` processes, and per run a fresh KIE simulator, Bot API emulator and bot process.

The bot reaches PostgreSQL only through `TcpProxy`, so the harness can drop its connections;
the harness itself talks to PostgreSQL directly (its reads and job starts never fail).
"""

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import sqlalchemy as sa

from tests.drivers.launcher import BotProcess, Launcher
from tests.drivers.process import free_port
from tests.drivers.tcp_proxy import TcpProxy
from trt.config import Settings
from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.kie import KieSimulator, Scenario
from trt.storage import migrate
from trt.storage.database import Database
from trt.storage.tables import metadata

KIE_KEY = "chaos-kie-key"
CALLBACK_SECRET = "chaos-callback-secret"
FREE_DAILY_QUOTA = 3
READY_TIMEOUT = 30.0
# Settings that make a run short: quick status checks and short job leases.
FAST_SETTINGS = {
    "CHECK_MIN_DELAY": "0.2",
    "CHECK_MAX_DELAY": "1.0",
    "CHECK_EXPECTED_SCALE": "0.05",
    "RECONCILE_LEASE_SECONDS": "2",
    "FREE_DAILY_QUOTA": str(FREE_DAILY_QUOTA),
    "KIE_BALANCE_CHECK_SECONDS": "3600",
    "LOG_FORMAT": "json",
    "LOG_LEVEL": "INFO",
}


class World:
    """What outlives runs: the database, the proxy in front of it, the process launcher."""

    def __init__(self, *, db_url: str, launcher: Launcher, workdir: Path) -> None:
        self.db_url = db_url
        self.db = Database(db_url)
        self.launcher = launcher
        self.workdir = workdir
        url = sa.make_url(db_url)
        self.proxy = TcpProxy(target_host=url.host or "127.0.0.1", target_port=url.port or 5432)

    @property
    def bot_db_url(self) -> str:
        proxied = sa.make_url(self.db_url).set(host="127.0.0.1", port=self.proxy.port)
        return proxied.render_as_string(hide_password=False)

    async def open(self) -> "World":
        await migrate.upgrade(self.db)
        await self.proxy.start()
        return self

    async def close(self) -> None:
        await self.proxy.stop()
        await self.launcher.close()
        await self.db.dispose()

    async def wipe(self) -> None:
        """Empty every table (between runs, with no bot process connected)."""
        names = ", ".join(table.name for table in reversed(metadata.sorted_tables))
        async with self.db.transaction() as tx:
            await tx.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))

    @asynccontextmanager
    async def stage(self, seed: int) -> AsyncIterator["Stage"]:
        """A fresh KIE simulator and Bot API emulator for one run; the bot is started on it."""
        await self.wipe()
        self.proxy.heal()
        rundir = self.workdir / f"run-{seed}"
        rundir.mkdir(parents=True, exist_ok=True)
        async with (
            KieSimulator(api_key=KIE_KEY, scenario=Scenario(seed=seed)) as kie,
            BotApiEmulator() as telegram,
        ):
            stage = Stage(world=self, kie=kie, telegram=telegram, rundir=rundir)
            try:
                yield stage
            finally:
                await stage.stop_bot()


@dataclass
class Stage:
    world: World
    kie: KieSimulator
    telegram: BotApiEmulator
    rundir: Path
    port: int = 0
    bot: BotProcess | None = None
    starts: int = 0

    def __post_init__(self) -> None:
        self.port = free_port()

    def env(self, *, crash_at: str | None) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not _is_setting(key)}
        env |= FAST_SETTINGS | {
            "BOT_TOKEN": self.telegram.token,
            "KIE_API_KEY": KIE_KEY,
            "DATABASE_URL": self.world.bot_db_url,
            "TELEGRAM_API_BASE": self.telegram.base_url,
            "KIE_API_BASE": self.kie.base_url,
            "KIE_UPLOAD_BASE": self.kie.base_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "CALLBACK_SECRET": CALLBACK_SECRET,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
        }
        if crash_at:
            env["TEST_CRASH_AT"] = crash_at
        return env

    async def start_bot(self, *, crash_at: str | None = None) -> BotProcess:
        self.starts += 1
        log = self.rundir / f"bot-{self.starts}.log"
        self.bot = await self.world.launcher.spawn(
            self.env(crash_at=crash_at), cwd=self.rundir, log=log
        )
        return self.bot

    async def wait_active(self, timeout: float = READY_TIMEOUT) -> None:
        """Until the current process is the active instance and polls Telegram."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession() as http:
            while loop.time() < deadline:
                if self.bot is None or not self.bot.alive:
                    raise RuntimeError(f"the bot died while starting: {self.tail()}")
                if await _role(http, self.port) == "active" and self.polling:
                    return
                await asyncio.sleep(0.05)
        raise TimeoutError(f"the bot did not become active in {timeout}s: {self.tail()}")

    @property
    def polling(self) -> bool:
        return self.telegram.ctx.updates.polls_waiting > 0

    async def stop_bot(self) -> None:
        if self.bot is not None:
            await self.bot.kill()

    def tail(self) -> str:
        return self.bot.tail() if self.bot is not None else ""


def why_exited(process: BotProcess) -> str:
    """A bot process that ended by itself, in a few words from its log."""
    lines = (
        process.log_path.read_text(errors="replace").splitlines()
        if process.log_path.exists()
        else []
    )
    for line in lines:
        with contextlib.suppress(ValueError):
            event = json.loads(line)
            if event.get("event") == "worker.crashed":
                last = (event.get("exception") or "").strip().splitlines()[-1:] or ["?"]
                return f"worker {event.get('worker')} crashed: {last[0][:120]}"
    ready = any('"database.ready"' in line for line in lines)
    last = next((line for line in reversed(lines) if line and not line.startswith(" ")), "")
    where = "after start-up" if ready else "during start-up"
    return f"exit {process.exit_code} {where}: {last[:120]}"


async def wait_role(port: int, role: str, *, timeout: float = READY_TIMEOUT) -> None:
    """Until the process on `port` reports `role` ("active" or "passive") on /health."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as http:
        while await _role(http, port) != role:
            if loop.time() > deadline:
                raise TimeoutError(f"the process on port {port} is not {role} after {timeout}s")
            await asyncio.sleep(0.05)


async def _role(http: aiohttp.ClientSession, port: int) -> str | None:
    with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
        url = f"http://127.0.0.1:{port}/health"
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=1)) as answer:
            body = await answer.json()
            return str(body.get("role"))
    return None


def _is_setting(key: str) -> bool:
    """The caller's own trt settings must not leak into the bot's environment."""
    return key.lower() in Settings.model_fields
