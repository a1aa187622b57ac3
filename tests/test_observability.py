"""Optional Sentry: with SENTRY_DSN pointing at a fake of Sentry's envelope endpoint on
loopback, an error in an update handler reaches it, named and with its traceback, and the bot
token never appears in what is sent. Without a DSN, nothing imports the SDK before the port
opens."""

import asyncio
import gzip
import io
import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp import web

from tests.e2e.conftest import running_stack
from trt.app import Runtime
from trt.logs import configure_logging

USER = 7401
GZIP_MAGIC = b"\x1f\x8b"


class FakeSentry:
    """Sentry's envelope endpoint: keeps every envelope it receives, uncompressed."""

    def __init__(self) -> None:
        self.envelopes: list[bytes] = []
        self.port = 0

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.port}/42"

    async def receive(self, request: web.Request) -> web.Response:
        body = await request.read()  # aiohttp undoes a declared Content-Encoding itself
        if body.startswith(GZIP_MAGIC):
            body = gzip.decompress(body)
        self.envelopes.append(body)
        return web.json_response({})

    def events(self) -> list[dict[str, Any]]:
        """The error events of every envelope (items are one JSON line each)."""
        found = []
        for envelope in self.envelopes:
            lines = envelope.decode().splitlines()[1:]  # the envelope header first
            for header, payload in zip(lines[::2], lines[1::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found


@asynccontextmanager
async def fake_sentry() -> AsyncIterator[FakeSentry]:
    sentry = FakeSentry()
    app = web.Application()
    app.router.add_post("/api/{project}/envelope/", sentry.receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sentry.port = int(runner.addresses[0][1])
    try:
        yield sentry
    finally:
        await runner.cleanup()


@pytest.fixture
def production_logging() -> Iterator[None]:
    """Logging set up as `trt run` does (structlog through the stdlib loggers Sentry watches),
    and put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging(level="INFO", fmt="json", stream=io.StringIO())
    try:
        yield
    finally:
        structlog.reset_defaults()
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.mark.usefixtures("production_logging")
async def test_a_handler_error_reaches_sentry_and_the_token_does_not(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'trt.sqlite3'}"
    async with (
        fake_sentry() as sentry,
        running_stack(database, sentry_dsn=sentry.dsn, sentry_environment="e2e") as stack,
    ):
        token = stack.telegram.token
        user = stack.telegram.user(user_id=USER, language_code="en")
        stack.telegram.fail_next("sendMessage", 500, chat_id=USER)  # /start's answer fails
        await user.send_command("/start")
        await user.wait_for(lambda m: "Something went wrong" in m.text)
        async with asyncio.timeout(10):
            while not sentry.events():
                await asyncio.sleep(0.05)

    [event] = sentry.events()
    assert event["logentry"]["message"] == "bot.handler_failed"
    assert event["level"] == "error"
    assert event["environment"] == "e2e"
    assert event["release"] == Runtime().version
    assert "TelegramServerError" in event["extra"]["exception"]  # the traceback
    everything = b"".join(sentry.envelopes).decode()
    assert token not in everything
    assert token.split(":")[1] not in everything
    assert "/bot[redacted]/sendMessage" in everything  # the Bot API URL of a breadcrumb


def test_the_web_side_and_the_app_import_no_sentry() -> None:
    code = (
        "import sys, trt.app, trt.web.server\n"
        "assert 'sentry_sdk' not in sys.modules, 'sentry_sdk imported'\n"
        "assert 'trt.observability' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
