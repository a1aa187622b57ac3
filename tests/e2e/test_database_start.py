"""Start-up while PostgreSQL is not answering yet (it starts next to the bot, or restarts): the
bot waits for it with backoff and then serves; past DATABASE_START_WAIT it exits with the error;
a stop while it waits ends it cleanly. PostgreSQL behind a TCP proxy that refuses connections."""

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from tests.drivers.process import free_port
from tests.drivers.tcp_proxy import TcpProxy
from tests.e2e.conftest import running_stack
from trt.app import serve
from trt.app.database_start import upgrade_when_reachable
from trt.app.parts import Parts
from trt.config import Settings, load_settings
from trt.storage import migrate
from trt.storage.database import UNAVAILABLE, Database, is_unavailable

pytestmark = pytest.mark.postgres


@pytest.fixture
async def proxied(clean_pg_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    url = sa.make_url(clean_pg_url)
    proxy = await TcpProxy(target_port=url.port or 5432).start()
    try:
        yield proxy, url.set(port=proxy.port).render_as_string(hide_password=False)
    finally:
        await proxy.stop()


def bare_settings(db_url: str, *, wait: float) -> Settings:
    return load_settings(
        bot_token="123456:TEST",
        kie_api_key="key",
        database_url=db_url,
        telegram_api_base="http://127.0.0.1:9",  # never reached: the database comes first
        host="127.0.0.1",
        port=free_port(),
        database_start_wait=wait,
    )


async def test_the_bot_waits_for_a_database_that_answers_later(
    proxied: tuple[TcpProxy, str],
) -> None:
    proxy, url = proxied
    proxy.refuse_for(2.0)  # heals by itself
    loop = asyncio.get_running_loop()
    began = loop.time()
    async with running_stack(url) as stack:
        assert proxy.refused >= 1  # it did try while the database was away
        assert loop.time() - began >= 1.5
        user = stack.telegram.user(user_id=7501, language_code="en")
        await user.send_command("/start")
        welcome = await user.wait_for(lambda m: m.from_bot, timeout=20)
        assert welcome.buttons  # the main menu: the bot serves


async def test_past_the_wait_the_start_fails_with_the_database_error(
    proxied: tuple[TcpProxy, str],
) -> None:
    proxy, url = proxied
    proxy.refuse_for(60)
    settings = bare_settings(url, wait=1.0)
    with pytest.raises(UNAVAILABLE):
        await asyncio.wait_for(serve(settings, stop=asyncio.Event()), timeout=20)
    assert proxy.refused >= 2  # tried again before giving up


async def test_a_stop_while_waiting_ends_the_process_cleanly(
    proxied: tuple[TcpProxy, str],
) -> None:
    proxy, url = proxied
    proxy.refuse_for(60)
    stop = asyncio.Event()
    started: asyncio.Future[Parts] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(bare_settings(url, wait=60), stop=stop, started=started))
    for _ in range(100):
        if proxy.refused:
            break
        await asyncio.sleep(0.05)
    assert proxy.refused >= 1
    stop.set()
    await asyncio.wait_for(task, timeout=10)  # returns, no error
    assert not started.done()


async def test_a_connection_reset_while_a_statement_reconnects_is_waited_out_too(
    clean_pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLAlchemy wraps a socket error met while a statement reconnects in a plain
    StatementError (a chaos run saw it on the migration lock's release): still unavailability."""
    real_upgrade = migrate.upgrade
    calls = 0

    async def reset_once(database: Database) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            reset = ConnectionResetError(104, "Connection reset by peer")
            raise sa.exc.StatementError(str(reset), "SELECT pg_advisory_unlock($1)", {}, reset)
        await real_upgrade(database)

    monkeypatch.setattr(migrate, "upgrade", reset_once)
    database = Database(clean_pg_url)
    try:
        stop = asyncio.Event()
        assert await upgrade_when_reachable(database, wait=10, stop=stop)
    finally:
        await database.dispose()
    assert calls == 2


def test_only_unreachable_database_errors_count_as_unavailable() -> None:
    reset = ConnectionResetError(104, "reset")
    assert is_unavailable(reset)
    assert is_unavailable(sa.exc.OperationalError("SELECT 1", {}, Exception("gone")))
    assert is_unavailable(sa.exc.StatementError("reset", "SELECT 1", {}, reset))
    assert not is_unavailable(sa.exc.StatementError("bad", "SELECT 1", {}, ValueError("x")))
    assert not is_unavailable(ValueError("x"))
