"""What the load benchmarks share: a scratch PostgreSQL database, the bot as a real
`python -m trt run` subprocess, the KIE simulator and the Bot API emulator in the bench process
with arrival timestamps, job rows inserted directly, and PostgreSQL's own counters.

Every process started here is ended here, by its PID. Traffic stays on 127.0.0.1.
"""

import asyncio
import contextlib
import contextvars
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa
import structlog
from aiohttp import web

from trt.domain import inputs
from trt.domain.catalog import Catalog, ModelSpec, load_catalog
from trt.domain.ledger import EntryKind
from trt.domain.pricing import PricingPolicy
from trt.kie import KieClient
from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.botapi.params import Params
from trt.sandbox.kie import KieSimulator
from trt.services.billing import Billing
from trt.services.generation import Generation
from trt.services.ports import SystemClock
from trt.storage import tables
from trt.storage.database import Database

# The bench process itself stays quiet: trt's clients log every request at INFO.
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

PG_ADMIN_URL = os.environ.get(
    "TRT_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
KIE_KEY = "bench-kie-key"
CALLBACK_SECRET = "bench-callback-secret"
WEBHOOK_SECRET = "bench-webhook-secret"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- the scratch database ---------------------------------------------------------------------


@asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """An empty database `trt_bench_<random>` for one run, dropped afterwards; yields its URL."""
    name = f"trt_bench_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(statement: str) -> None:
    admin = Database(PG_ADMIN_URL)
    try:
        async with admin.engine.connect() as raw:
            conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text(statement))
    finally:
        await admin.dispose()


@dataclass(frozen=True)
class PgCounters:
    """pg_stat_database for the bench database plus the jobs table's scan counters."""

    at: float
    xacts: int
    tup_returned: int
    tup_fetched: int
    tup_inserted: int
    tup_updated: int
    sessions: int
    jobs_scans: int
    jobs_updates: int

    def rates(self, earlier: "PgCounters", own_xacts: int = 0) -> dict[str, float]:
        span = self.at - earlier.at
        return {
            "xact/s": (self.xacts - earlier.xacts - own_xacts) / span,
            "jobs scans/s": (self.jobs_scans - earlier.jobs_scans) / span,
            "jobs rows updated/s": (self.jobs_updates - earlier.jobs_updates) / span,
            "rows returned/s": (self.tup_returned - earlier.tup_returned) / span,
            "rows fetched/s": (self.tup_fetched - earlier.tup_fetched) / span,
            "new connections/s": (self.sessions - earlier.sessions) / span,
        }


async def pg_counters(db: Database) -> PgCounters:
    """One read of the counters (one transaction of our own, to subtract)."""
    async with db.engine.connect() as conn:
        await conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        row = (
            await conn.execute(
                sa.text(
                    "SELECT xact_commit + xact_rollback, tup_returned, tup_fetched, "
                    "tup_inserted, tup_updated, sessions FROM pg_stat_database "
                    "WHERE datname = current_database()"
                )
            )
        ).one()
        table = (
            await conn.execute(
                sa.text(
                    "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0), n_tup_upd "
                    "FROM pg_stat_user_tables WHERE relname = 'jobs'"
                )
            )
        ).one()
        await conn.rollback()
    return PgCounters(time.monotonic(), *(int(v) for v in row), *(int(v) for v in table))


# --- the bot process --------------------------------------------------------------------------


def app_env(
    *,
    port: int,
    db_url: str,
    telegram: BotApiEmulator,
    kie: KieSimulator,
    **settings: object,
) -> dict[str, str]:
    """The environment of `trt run` pointed at the loopback doubles; `settings` override."""
    env = {key: value for key, value in os.environ.items() if not _is_setting(key)}
    values: dict[str, object] = {
        "BOT_TOKEN": telegram.token,
        "KIE_API_KEY": KIE_KEY,
        "DATABASE_URL": db_url,
        "TELEGRAM_API_BASE": telegram.base_url,
        "KIE_API_BASE": kie.base_url,
        "KIE_UPLOAD_BASE": kie.base_url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CALLBACK_SECRET": CALLBACK_SECRET,
        "HOST": "127.0.0.1",
        "PORT": port,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    values.update({key.upper(): value for key, value in settings.items()})
    env.update({key: str(value) for key, value in values.items() if value is not None})
    return env


_SETTING_NAMES = {
    "BOT_TOKEN",
    "KIE_API_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "BOT_MODE",
    "PUBLIC_BASE_URL",
    "HOST",
    "PORT",
    "TELEGRAM_API_BASE",
    "KIE_API_BASE",
    "KIE_UPLOAD_BASE",
    "KIE_WEBHOOK_HMAC_KEY",
    "WEBHOOK_SECRET",
    "CALLBACK_SECRET",
    "ADMIN_IDS",
    "LOG_FORMAT",
    "LOG_LEVEL",
}


def _is_setting(key: str) -> bool:
    upper = key.upper()
    return upper in _SETTING_NAMES or upper.startswith(("CHECK_", "FREE_", "PRICE_"))


class ChildProcess:
    """A subprocess we started; ended by its PID only. Output goes to a log file."""

    def __init__(self, command: Sequence[str], *, env: Mapping[str, str], name: str) -> None:
        self.command = list(command)
        self.env = dict(env)
        self.name = name
        self.workdir = Path(tempfile.mkdtemp(prefix=f"trt-bench-{name}-"))
        self.log_path = self.workdir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    async def wait_http(self, url: str, *, timeout: float = READY_TIMEOUT) -> None:
        """Poll `url` until it answers 200; fail early if the process died."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited: {self.tail()}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as answer:
                        if answer.status == 200:
                            return
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.name}: no 200 from {url} within {timeout}s: {self.tail()}")

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    async def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                await asyncio.to_thread(self.proc.wait, STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait, STOP_TIMEOUT)

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


@asynccontextmanager
async def bot_process(env: Mapping[str, str], *, port: int) -> AsyncIterator[ChildProcess]:
    """`python -m trt run` until the block ends; ready when `/ready` answers 200."""
    child = ChildProcess([sys.executable, "-m", "trt", "run"], env=env, name="trt")
    child.start()
    try:
        await child.wait_http(f"http://127.0.0.1:{port}/ready")
        yield child
    finally:
        await child.stop()
        if os.environ.get("TRT_BENCH_KEEP_LOGS"):
            print(f"# {child.name} log kept at {child.log_path}")
        else:
            child.cleanup()


@asynccontextmanager
async def python_server(source: str, *, port: int, name: str) -> AsyncIterator[ChildProcess]:
    """A bare Python server (`python -c source port`) until the block ends."""
    child = ChildProcess([sys.executable, "-c", source, str(port)], env=os.environ, name=name)
    child.start()
    try:
        await child.wait_http(f"http://127.0.0.1:{port}/health")
        yield child
    finally:
        await child.stop()
        child.cleanup()


# --- the doubles, with arrival times ----------------------------------------------------------

_ARRIVED: contextvars.ContextVar[float] = contextvars.ContextVar("arrived", default=0.0)


@dataclass(frozen=True, slots=True)
class Arrival:
    method: str
    chat_id: int | None
    at: float  # time.time() when the request reached the emulator's handler


class TimedBotApi(BotApiEmulator):
    """The Bot API emulator noting when each call arrived (before its body is read)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arrivals: list[Arrival] = []
        self._waiters: dict[tuple[str, int], asyncio.Future[float]] = {}

    def expect(self, method: str, chat_id: int) -> "asyncio.Future[float]":
        """A future set to the arrival time of the next `method` call for `chat_id`."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters[(method.lower(), chat_id)] = future
        return future

    async def _handle_call(self, request: web.Request) -> web.Response:
        _ARRIVED.set(time.time())
        return await super()._handle_call(request)

    async def _before(self, method: str, params: Params) -> None:
        raw = params.values.get("chat_id")
        try:
            chat_id = int(raw) if raw is not None else None
        except (TypeError, ValueError):
            chat_id = None
        arrived = _ARRIVED.get() or time.time()
        self.arrivals.append(Arrival(method, chat_id, arrived))
        if chat_id is not None:
            waiter = self._waiters.pop((method.lower(), chat_id), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(arrived)
        await super()._before(method, params)


@dataclass
class RecordLog:
    queries: dict[str, list[float]] = field(default_factory=dict)

    def add(self, task_id: str, at: float) -> None:
        self.queries.setdefault(task_id, []).append(at)


class TimedKie(KieSimulator):
    """The KIE simulator noting when each record query arrived, per task."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.records = RecordLog()

    def _build_app(self) -> web.Application:
        app = super()._build_app()

        @web.middleware
        async def note(request: web.Request, handler: Any) -> web.StreamResponse:
            if request.method == "GET" and "ecord" in request.path:  # recordInfo, record-info
                self.records.add(request.query.get("taskId", ""), time.time())
            return await handler(request)  # type: ignore[no-any-return]

        app.middlewares.insert(0, note)
        return app


@asynccontextmanager
async def doubles(**telegram_options: Any) -> AsyncIterator[tuple[TimedBotApi, TimedKie]]:
    async with TimedKie(api_key=KIE_KEY) as kie, TimedBotApi(**telegram_options) as telegram:
        yield telegram, kie


# --- jobs straight into the database ----------------------------------------------------------


async def create_sim_tasks(
    kie: KieSimulator,
    specs: Sequence[tuple[ModelSpec, str | None]],
    *,
    concurrency: int = 32,
) -> list[str]:
    """Create one KIE task per (model, callback URL) through the simulator's create API."""
    slots = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as http:
        client = KieClient(
            api_base=kie.base_url, upload_base=kie.base_url, api_key=KIE_KEY, session=http
        )

        async def one(model: ModelSpec, url: str | None, n: int) -> str:
            fields = prompt_fields(model, f"bench prompt {n}")
            async with slots:
                return await client.create_task(
                    family=model.family, kie_model=model.kie_model, fields=fields, callback_url=url
                )

        return list(
            await asyncio.gather(*(one(model, url, n) for n, (model, url) in enumerate(specs)))
        )


def prompt_fields(model: ModelSpec, prompt: str) -> dict[str, object]:
    values = {f.name: prompt for f in model.fields if f.required}
    checked = inputs.validate(model, values)
    if not checked.ok:
        raise RuntimeError(f"{model.id}: {checked.problems}")
    return dict(inputs.build_kie_fields(model, checked.values, {}))


async def insert_users(db: Database, user_ids: Sequence[int]) -> None:
    now = now_utc()
    rows = [
        {"id": uid, "first_name": f"Bench {uid}", "language": "en", "created_at": now}
        | {"last_seen_at": now}
        for uid in user_ids
    ]
    balances = [{"user_id": uid, "available": 0, "held": 0, "updated_at": now} for uid in user_ids]
    async with db.transaction() as tx:
        await tx.execute(tables.users.insert(), rows)
        await tx.execute(tables.balances.insert(), balances)


@dataclass(frozen=True)
class RunningJob:
    user_id: int
    model: ModelSpec
    task_id: str
    submitted_at: datetime
    next_check_at: datetime
    check_count: int = 0
    status_message_id: int | None = None


async def insert_running_jobs(db: Database, jobs: Sequence[RunningJob]) -> list[int]:
    """Insert jobs already submitted to KIE (status running), as the reconciler leaves them."""
    now = now_utc()
    rows = [
        {
            "user_id": job.user_id,
            "chat_id": job.user_id,
            "model_id": job.model.id,
            "family": job.model.family.value,
            "status": "running",
            "is_free": True,  # no hold to settle: these jobs are never finished by a bench
            "price": 0,
            "sku": None,
            "credits_quoted": None,
            "inputs": {"prompt": "bench"},
            "correlation_id": uuid.uuid4().hex[:16],
            "task_id": job.task_id,
            "submit_attempts": 1,
            "check_count": job.check_count,
            "next_check_at": job.next_check_at,
            "deadline_at": now + timedelta(hours=6),
            "status_message_id": job.status_message_id,
            "created_at": job.submitted_at,
            "updated_at": now,
            "submitted_at": job.submitted_at,
        }
        for job in jobs
    ]
    ids: list[int] = []
    async with db.transaction() as tx:
        for start in range(0, len(rows), 2000):
            chunk = rows[start : start + 2000]
            result = await tx.execute(
                tables.jobs.insert().returning(tables.jobs.c.id, sort_by_parameter_order=True),
                chunk,
            )
            ids.extend(int(row[0]) for row in result)
    return ids


async def start_generation_jobs(
    db_url: str, telegram: BotApiEmulator, jobs: Sequence[tuple[int, str]]
) -> None:
    """Per (user id, model id): a user with money and a status message in their chat, and one
    job started through TRT's own `Generation` service (pending; the running app submits it)."""
    db = Database(db_url)
    clock = SystemClock()
    billing = Billing(db=db, clock=clock)
    generation = Generation(
        db=db, catalog=load_catalog(), pricing=PricingPolicy(), clock=clock, free_daily_quota=5
    )
    slots = asyncio.Semaphore(8)

    async def one(user_id: int, model_id: str) -> None:
        chat = telegram.user(user_id=user_id, language_code="en").chat
        status = telegram.ctx.chats.add(
            chat, {"from": telegram.bot_user, "text": "⏳ starting"}, from_bot=True
        )
        async with slots:
            await billing.open_account(user_id=user_id)
            await billing.credit(
                user_id=user_id, amount=1_000_000, kind=EntryKind.TOPUP, key=f"bench:{user_id}"
            )
            await generation.start(
                user_id=user_id,
                chat_id=user_id,
                model_id=model_id,
                values={"prompt": f"bench {user_id}"},
                status_message_id=status.message_id,
            )

    try:
        await asyncio.gather(*(one(user_id, model_id) for user_id, model_id in jobs))
    finally:
        await db.dispose()


@dataclass(frozen=True)
class SubmittedJob:
    job_id: int
    chat_id: int
    task_id: str
    submitted_at: datetime


async def wait_submitted(db_url: str, count: int, *, timeout: float) -> list[SubmittedJob]:
    """Wait until the app has submitted `count` jobs to KIE; returns them."""
    db = Database(db_url)
    deadline = time.monotonic() + timeout
    columns = (tables.jobs.c.id, tables.jobs.c.chat_id, tables.jobs.c.task_id)
    try:
        while True:
            async with db.read() as tx:
                rows = (
                    await tx.execute(
                        sa.select(*columns, tables.jobs.c.submitted_at).where(
                            tables.jobs.c.task_id.is_not(None)
                        )
                    )
                ).all()
            if len(rows) >= count:
                return [SubmittedJob(*row) for row in rows]
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(rows)} of {count} jobs submitted in {timeout}s")
            await asyncio.sleep(0.2)
    finally:
        await db.dispose()


def models_by_kind(catalog: Catalog) -> dict[str, ModelSpec]:
    """One text-only model per media kind (image, video, audio), for job rows."""
    return {
        "image": catalog.get("nano-banana"),
        "video": catalog.get("kling-2-6-t2v"),
        "audio": catalog.get("suno-v4-5"),
    }


def host_line() -> str:
    import platform

    return (
        f"{os.cpu_count()}-core {platform.machine()}, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )


# --- profiling (optional: py-spy from PyPI) ---------------------------------------------------


@asynccontextmanager
async def profiled(child: ChildProcess, out: Path | None, *, seconds: float) -> AsyncIterator[None]:
    """Sample `child` with py-spy for `seconds` while the block runs (when `out` is given)."""
    if out is None:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [spy, "record", "-p", str(child.pid), "-d", str(max(1, round(seconds)))]
    command += ["-r", "200", "-f", "raw", "-o", str(out), "--nonblocking"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        try:
            await asyncio.to_thread(proc.wait, seconds + 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            await asyncio.to_thread(proc.wait, 10)


def summarize_profile(path: Path, *, top: int = 30) -> str:
    """Inclusive and self share of samples per function from py-spy's collapsed stacks."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_short(frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
    if not total:
        return "no samples"
    lines = [f"{total} samples; inclusive % | self % | function"]
    for frame, count in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(
            f"{100 * count / total:6.1f} | {100 * own.get(frame, 0) / total:5.1f} | {frame}"
        )
    lines.append("top self:")
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"{100 * count / total:6.1f} | {frame}")
    return "\n".join(lines)


def _short(frame: str) -> str:
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", "/trt/", "python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where.rsplit(':', 1)[0]})"
