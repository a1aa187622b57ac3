"""Composition root: builds every part and runs them in order, HTTP first.

Start-up order (the reverse on shutdown):
1. open the HTTP port with `/health` and `/ready` (only light imports before this point);
2. connect the database and apply migrations under a lock (`/ready` turns 200 after this);
3. start leader election; the active instance runs the one-at-a-time work.
Heavy modules (SQLAlchemy, Alembic, aiogram) are imported inside `_start_backend`, after the
port is open.
"""

import asyncio
import contextlib
import signal
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from importlib import metadata
from typing import TYPE_CHECKING, Any

import structlog
from aiohttp import web

from trt.config import Settings
from trt.web.health import Readiness
from trt.web.server import build_web_app

if TYPE_CHECKING:
    from trt.bot.polling import Poller
    from trt.storage.database import Database

log = structlog.get_logger(__name__)


class Runtime:
    """What `/health` and `/ready` report about this process."""

    def __init__(self) -> None:
        self.role = "starting"
        self.version = _version()
        self.database: Database | None = None
        self.head_revision: str | None = None

    async def readiness(self) -> Readiness:
        if self.database is None:
            return Readiness(ready=False, checks={"database": "starting"})
        from sqlalchemy.exc import SQLAlchemyError

        from trt.storage import migrate

        try:
            revision = await asyncio.wait_for(migrate.current_revision(self.database), 5)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            return Readiness(ready=False, checks={"database": f"unreachable: {type(exc).__name__}"})
        migrated = revision == self.head_revision
        checks = {"database": "ok", "migrations": "ok" if migrated else f"at {revision}"}
        return Readiness(ready=migrated, checks=checks)


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run the bot process until `stop` is set or SIGTERM/SIGINT arrives."""
    stop = stop or _stop_on_signals()
    runtime = Runtime()
    async with AsyncExitStack() as stack:
        runner = web.AppRunner(build_web_app(health_source=runtime), access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        log.info("http.listening", host=settings.host, port=settings.port, version=runtime.version)
        await _start_backend(settings, runtime, stack, stop)
        await stop.wait()
        log.info("process.stopping")


async def _start_backend(
    settings: Settings, runtime: Runtime, stack: AsyncExitStack, stop: asyncio.Event
) -> None:
    from trt.services.leadership import LeaderElection, Role
    from trt.storage import migrate
    from trt.storage.database import Database
    from trt.storage.leader import leader_lock_for

    url = settings.database_url.get_secret_value()
    database = Database(url)
    stack.push_async_callback(database.dispose)
    await migrate.upgrade(database)
    runtime.head_revision = migrate.head_revision()
    runtime.database = database
    log.info("database.ready", engine=database.dialect, revision=runtime.head_revision)

    telegram = await _start_telegram(settings, database, stack)

    async def on_role(role: Role) -> None:
        runtime.role = role.value
        if settings.bot_mode == "polling":
            await (telegram.start() if role is Role.ACTIVE else telegram.stop())

    election = LeaderElection(lock=leader_lock_for(url), on_change=on_role)
    _run_in_background(stack, stop, election.run(), name="leader-election")


async def _start_telegram(
    settings: Settings, database: "Database", stack: AsyncExitStack
) -> "Poller":
    """Build the Telegram side (this is where aiogram gets imported, after the port is open)."""
    from trt.bot.dispatcher import build_dispatcher
    from trt.bot.fsm import build_fsm_storage
    from trt.bot.polling import Poller
    from trt.bot.session import build_bot
    from trt.bot.texts import load_translations
    from trt.domain.catalog import load_catalog
    from trt.domain.pricing import PricingPolicy
    from trt.services.accounts import Accounts
    from trt.services.conversation_state import ConversationStates
    from trt.services.ports import SystemClock

    clock = SystemClock()
    translations = load_translations()
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    storage = build_fsm_storage(
        redis_url=redis_url, states=ConversationStates(db=database, clock=clock)
    )
    stack.push_async_callback(storage.close)
    dispatcher = build_dispatcher(
        storage=storage,
        accounts=Accounts(db=database, clock=clock),
        catalog=load_catalog(),
        pricing=PricingPolicy(
            usd_per_credit=settings.usd_per_credit,
            rub_per_usd=settings.rub_per_usd,
            markup=settings.price_markup,
        ),
        translations=translations,
        free_quota=settings.free_daily_quota,
    )
    assert settings.bot_token is not None
    bot = build_bot(
        token=settings.bot_token.get_secret_value(), api_base=settings.telegram_api_base
    )
    stack.push_async_callback(bot.session.close)
    poller = Poller(dispatcher=dispatcher, bot=bot, translations=translations)
    stack.push_async_callback(poller.stop)
    log.info("telegram.ready", mode=settings.bot_mode, api=settings.telegram_api_base)
    return poller


def _run_in_background(
    stack: AsyncExitStack, stop: asyncio.Event, coroutine: Coroutine[Any, Any, None], *, name: str
) -> None:
    """Own a long-lived task: cancelled and awaited when the stack unwinds.

    A worker that dies of an unexpected error stops the process (so a supervisor restarts it)
    rather than leaving it up and silently degraded.
    """
    task = asyncio.create_task(coroutine, name=name)

    def on_done(done: asyncio.Task[None]) -> None:
        if not done.cancelled() and done.exception() is not None:
            log.error("worker.crashed", worker=name, exc_info=done.exception())
            stop.set()

    task.add_done_callback(on_done)

    async def cancel() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    stack.push_async_callback(cancel)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _version() -> str:
    try:
        return metadata.version("trt")
    except metadata.PackageNotFoundError:
        return "unknown"
