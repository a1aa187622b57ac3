"""Composition root: builds every part and runs them in order, HTTP first.

Start-up order (the reverse on shutdown):
1. open the HTTP port with `/health`, `/ready` and the KIE callback route (only light imports
   before this point); then, with `SENTRY_DSN`, start Sentry in a thread (`trt.observability`);
2. connect the database and apply migrations under a lock (`/ready` turns 200 after this);
3. build the services and the Telegram side (`trt.wiring`), start the reconciler and the
   delivery worker, and take part in leader election: the active instance polls Telegram and
   runs the leader-only work (broadcasts, the KIE balance alert). With `RUN_WORKERS=false`
   the process stops there: it answers HTTP (KIE callbacks, the Telegram webhook, YooKassa
   notifications) and leaves jobs, deliveries and leadership to instances that run workers.
Heavy modules (SQLAlchemy, Alembic, aiogram) are imported inside `_start_backend`, after the
port is open.
"""

import asyncio
import contextlib
import gc
import signal
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from importlib import metadata
from typing import TYPE_CHECKING, Any

import structlog
from aiohttp import web

from trt.config import Settings
from trt.services.metrics import Metrics
from trt.web.health import Readiness
from trt.web.kie_callbacks import CallbackSlot
from trt.web.server import build_web_app
from trt.web.telegram_webhook import WebhookSlot
from trt.web.yookassa_notifications import YooKassaSlot

if TYPE_CHECKING:
    from trt.app.parts import Parts
    from trt.storage.database import Database

log = structlog.get_logger(__name__)

# What an instance with RUN_WORKERS=false leaves to the others (with leadership: polling or
# keeping the webhook set, broadcasts, alerts). The rest is safe and cheap on every instance.
JOB_WORKERS = frozenset({"reconciler", "deliveries"})


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


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    started: "asyncio.Future[Parts] | None" = None,
) -> None:
    """Run the bot process until `stop` is set or SIGTERM/SIGINT arrives.

    `started`, when given, receives the built parts (an embedding caller such as a test uses
    them to reach the services directly).
    """
    stop = stop or _stop_on_signals()
    runtime = Runtime()
    callbacks = CallbackSlot()
    webhook = WebhookSlot(
        secret=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    )
    metrics = Metrics()
    yookassa = YooKassaSlot()
    async with AsyncExitStack() as stack:
        app = build_web_app(
            health_source=runtime,
            callbacks=callbacks,
            webhook=webhook,
            registry=metrics.registry,
            http_seconds=metrics.http_seconds,
            yookassa=yookassa,
        )
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        log.info("http.listening", host=settings.host, port=settings.port, version=runtime.version)
        if settings.sentry_dsn is not None and settings.sentry_dsn.get_secret_value():
            await _start_error_reporting(settings, release=runtime.version, stack=stack)
        parts = await _start_backend(
            settings,
            runtime=runtime,
            callbacks=callbacks,
            webhook=webhook,
            yookassa=yookassa,
            metrics=metrics,
            stack=stack,
            stop=stop,
        )
        if parts is None:
            log.info("process.stopping", reason="stopped while waiting for the database")
            return
        if started is not None:
            started.set_result(parts)
        await stop.wait()
        log.info("process.stopping")


async def _start_backend(
    settings: Settings,
    *,
    runtime: Runtime,
    callbacks: CallbackSlot,
    webhook: WebhookSlot,
    yookassa: YooKassaSlot,
    metrics: Metrics,
    stack: AsyncExitStack,
    stop: asyncio.Event,
) -> "Parts | None":
    """The database, the Telegram side and the workers; None when stopped before the database
    answered."""
    from trt.app.database_start import upgrade_when_reachable
    from trt.services.leadership import LeaderElection, Role
    from trt.storage import migrate
    from trt.storage.database import Database
    from trt.storage.leader import leader_lock_for

    url = settings.database_url.get_secret_value()
    database = Database(url)
    stack.push_async_callback(database.dispose)
    if not await upgrade_when_reachable(database, wait=settings.database_start_wait, stop=stop):
        return None
    runtime.head_revision = migrate.head_revision()
    runtime.database = database
    log.info("database.ready", engine=database.dialect, revision=runtime.head_revision)

    from trt.app.parts import build_parts

    parts = await build_parts(settings, database, stack, metrics)
    _freeze_start_up_objects()
    callbacks.sink = parts.callback_intake
    webhook.sink = parts.webhook_feeder
    yookassa.sink = parts.payment_watch
    for name, worker in parts.workers.items():
        if not settings.run_workers and name in JOB_WORKERS:
            worker.close()  # never started: another instance runs the jobs
            continue
        _run_in_background(stack, stop, worker, name=name)
    if not settings.run_workers:
        # HTTP only: callbacks wake jobs in the database for the instances that run workers.
        runtime.role = "web"
        log.info("process.web_only", skipped=sorted(JOB_WORKERS), mode=settings.bot_mode)
        return parts

    async def on_role(role: Role) -> None:
        runtime.role = role.value
        await (parts.telegram.start() if role is Role.ACTIVE else parts.telegram.stop())
        _freeze_start_up_objects()  # the first start imports aiogram

    election = LeaderElection(lock=leader_lock_for(url), on_change=on_role)
    _run_in_background(stack, stop, election.run(), name="leader-election")
    # Unwound first: the leader's work stops before its lock is released, so the next leader
    # never overlaps with it.
    stack.push_async_callback(parts.telegram.stop)
    return parts


def _freeze_start_up_objects() -> None:
    """Keep what start-up built (modules, aiogram, the catalog: ~300,000 objects) out of the
    cyclic collector. Otherwise every full collection walks all of them: a 0.3 s pause under
    callback load, in the ack p99 (bench/README.md)."""
    gc.collect()
    gc.freeze()


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


async def _start_error_reporting(
    settings: Settings, *, release: str, stack: AsyncExitStack
) -> None:
    """Sentry, after the port is open and in a thread (importing and starting it takes ~0.4 s),
    so `/health` answers meanwhile."""
    from trt import observability

    assert settings.sentry_dsn is not None
    await asyncio.to_thread(
        observability.start_sentry,
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=settings.sentry_environment,
        release=release,
        secrets=settings.secret_values(),
    )
    stack.push_async_callback(asyncio.to_thread, observability.stop_sentry)
    log.info("sentry.started", environment=settings.sentry_environment)


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
