"""Security checks through the real app (both engines): the webhook secret, admin-only
commands, the bot token kept out of logs, chats and everything KIE receives, input limits
before any job exists, and the callback body limit."""

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
import sqlalchemy as sa
import structlog
from aiohttp import web

from tests.drivers.process import free_port
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.test_wizard import labels, open_wizard, send_album
from tests.security.callback_bodies import (
    FUZZ_SETTINGS,
    MIB,
    differences,
    market_shape,
    prepare_jobs,
    snapshot,
)
from trt.domain.catalog import MEGABYTE
from trt.domain.errors import InvalidInputs
from trt.domain.inputs import MediaInput
from trt.domain.jobs import JobStatus
from trt.kie import sign_job
from trt.logs import configure_logging
from trt.sandbox.botapi.imaging import solid_png
from trt.storage import jobs as job_rows
from trt.storage.tables import jobs as jobs_table
from trt.storage.tables import processed_updates, promo_codes

WEBHOOK_SECRET = "security-webhook-secret"
ADMIN = 9300
USER = 9301


async def count_rows(stack: Stack, table: sa.Table) -> int:
    async with stack.db.read() as tx:
        return int((await tx.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def stays(condition: object, seconds: float = 1.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        assert condition()  # type: ignore[operator]
        await asyncio.sleep(0.05)


# --- the webhook secret -------------------------------------------------------------------------


async def test_webhook_without_or_with_a_wrong_secret_is_refused_and_not_processed(
    db_url: str,
) -> None:
    async with running_stack(db_url, bot_mode="webhook", webhook_secret=WEBHOOK_SECRET) as stack:
        url = f"{stack.base_url}/telegram/webhook"

        def said() -> int:
            return sum(
                1 for c in stack.telegram.calls() if c.method.startswith(("send", "edit", "answer"))
            )

        outgoing = said()
        async with aiohttp.ClientSession() as http:
            for number, headers in enumerate(
                [
                    {},
                    {"X-Telegram-Bot-Api-Secret-Token": "guess"},
                    {"X-Telegram-Bot-Api-Secret-Token": ""},
                    # (a trailing space is HTTP whitespace: the parser strips it, as it should)
                    {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET.upper()},
                    {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET[:-1]},
                ]
            ):
                update = {
                    "update_id": 500 + number,
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": USER, "type": "private"},
                        "from": {"id": USER, "is_bot": False, "first_name": "X"},
                        "text": "/start",
                    },
                }
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 401, headers
        await stays(lambda: said() == outgoing, 0.5)
        assert await count_rows(stack, processed_updates) == 0


# --- admin-only commands ------------------------------------------------------------------------


async def test_admin_commands_are_refused_for_a_normal_user(db_url: str) -> None:
    async with running_stack(db_url, admin_ids=(ADMIN,)) as stack:
        await stack.top_up(USER, 10_000)
        user = stack.telegram.user(user_id=USER, language_code="en")
        await user.send_command("/start")
        await user.wait_for(lambda m: m.from_bot)
        before = await snapshot(stack.db)
        for command, args in [
            ("/refund", "1"),
            ("/refund", "1 force"),
            ("/promo_new", "HACK 1000 100"),
            ("/promo_new", "HACK 1000 100 30"),
        ]:
            sent = await user.send_command(command, args)
            reply = await user.wait_for(lambda m: m.from_bot, since=sent)
            assert reply.text.startswith("I understand menu buttons"), reply.text
        assert differences(before, await snapshot(stack.db)) == []
        assert await count_rows(stack, promo_codes) == 0
        assert stack.telegram.sent("refundStarPayment") == []
        # The same commands from the admin do work, so the refusal is the filter's doing.
        admin = stack.telegram.user(user_id=ADMIN, language_code="en")
        await admin.send_command("/promo_new", "REAL 100 5")
        await admin.wait_for(lambda m: "REAL" in (m.text or ""))
        assert await count_rows(stack, promo_codes) == 1


# --- the bot token stays inside -----------------------------------------------------------------


class RecordingProxy:
    """Loopback proxy in front of the KIE simulator that keeps every request it forwards."""

    def __init__(self) -> None:
        self.port = free_port()
        self.target: str | None = None
        self.ready = asyncio.Event()
        self.seen: list[str] = []
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> "RecordingProxy":
        app = web.Application(client_max_size=64 * MIB)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._http = aiohttp.ClientSession(auto_decompress=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.close()
        assert self._runner is not None
        await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        await asyncio.wait_for(self.ready.wait(), timeout=20)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        self.seen.append(
            f"{request.method} {request.path_qs}\n{headers}\n"
            + body.decode("utf-8", "backslashreplace")
        )
        async with self._http.request(
            request.method, f"{self.target}{request.path_qs}", data=body, headers=headers
        ) as answer:
            data = await answer.read()
            drop = {"content-length", "transfer-encoding", "content-encoding"}
            return web.Response(
                status=answer.status,
                body=data,
                headers={k: v for k, v in answer.headers.items() if k.lower() not in drop},
            )


@pytest.fixture
def raw_log() -> AsyncIterator[io.StringIO]:
    """The app's log lines, rendered WITHOUT secret redaction (what the code itself emits)."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging(level="DEBUG", fmt="json", secrets=[], stream=stream)
    yield stream  # type: ignore[misc]
    root.handlers[:], level = saved
    root.setLevel(level)
    structlog.reset_defaults()


async def test_the_bot_token_never_leaves_in_logs_chats_or_kie_requests(
    db_url: str, raw_log: io.StringIO
) -> None:
    async with (
        RecordingProxy() as proxy,
        running_stack(
            db_url, kie_api_base=proxy.base_url, kie_upload_base=proxy.base_url, log_level="DEBUG"
        ) as stack,
    ):
        proxy.target = stack.kie.base_url
        proxy.ready.set()
        token = stack.telegram.token
        secret_part = token.split(":", 1)[-1]
        user = stack.telegram.user(user_id=USER, language_code="en")
        await stack.top_up(USER, 1_000_000)
        await user.send_command("/start")
        photo = solid_png(40, 40, (10, 200, 30))
        sent = await user.send_photo(photo)
        file_id = sent.data["photo"][-1]["file_id"]
        media = MediaInput(ref=file_id, mime_type="image/png", size=len(photo))
        started = await stack.parts.generation.start(
            user_id=USER,
            chat_id=USER,
            model_id="qwen-edit",
            values={"prompt": "make it blue", "image": media},
        )

        async def finished() -> None:
            while True:
                async with stack.db.read() as tx:
                    job = await job_rows.get(tx, started.job_id)
                if job is not None and job.status.is_terminal:
                    assert job.status is JobStatus.SUCCEEDED
                    return
                await asyncio.sleep(0.05)

        await asyncio.wait_for(finished(), 20)
        await stack.telegram.wait_until(lambda: bool(stack.telegram.sent("sendPhoto")), timeout=10)

        received = [
            *proxy.seen,
            *(f"{task.input} {task.callback_url}" for task in stack.kie.tasks()),
            *(f"{u.file_name} {u.file_path} {u.data!r}" for u in stack.kie.uploads()),
        ]
        chats = [m.text or "" for m in user.messages()] + [
            str(call.params) for call in stack.telegram.calls() if call.method.startswith("send")
        ]
    logged = raw_log.getvalue()
    assert (
        any("/upload" in request or "file-" in request for request in proxy.seen)
        or stack.kie.uploads()
    )
    assert any("createTask" in request for request in proxy.seen)
    assert '"job.created"' in logged or "job.created" in logged
    for text, where in [(logged, "log"), ("\n".join(received), "KIE"), ("\n".join(chats), "chat")]:
        assert token not in text, where
        assert secret_part not in text, where


# --- input limits before any job ------------------------------------------------------------------


@pytest.fixture
async def plain_stack(db_url: str) -> AsyncIterator[Stack]:
    async with running_stack(db_url) as running:
        yield running


async def test_oversized_inputs_are_refused_with_a_message_and_create_no_job(
    plain_stack: Stack,
) -> None:
    await plain_stack.top_up(USER, 1_000_000)
    user = plain_stack.telegram.user(user_id=USER, language_code="en")

    await open_wizard(user, "qwen-t2i")
    await user.send_text("x" * 5001)
    await user.wait_for(lambda m: "⚠️ Prompt: too long: 5001 characters, at most 5000." in m.text)

    await open_wizard(user, "qwen-edit")
    await user.send_text("make it blue")
    await user.wait_for(lambda m: "up to 10 MB" in m.text)
    await user.send_document(b"\0" * (11 * MEGABYTE), "huge.png", "image/png")
    await user.wait_for(lambda m: "the file is 11 MB, the limit is 10 MB" in m.text)

    await open_wizard(user, "veo-3-1-fast-i2v")
    await user.send_text("the waves move")
    await user.wait_for(lambda m: "send 1 to 2 photos" in m.text)
    await send_album(plain_stack.telegram, user, 2)
    await user.wait_for(lambda m: "✅ Done (2)" in labels(m))
    await user.send_photo(solid_png(20, 20))
    await user.wait_for(lambda m: "At most 2 files — this one was not added" in m.text)

    # The service refuses the same inputs when called directly (not only the wizard).
    too_big = MediaInput(ref="file-x", mime_type="image/png", size=11 * MEGABYTE)
    small = [MediaInput(ref=f"file-{n}", mime_type="image/png", size=100) for n in range(3)]
    for model_id, values in [
        ("qwen-t2i", {"prompt": "x" * 5001}),
        ("qwen-edit", {"prompt": "p", "image": too_big}),
        ("veo-3-1-fast-i2v", {"prompt": "p", "images": small}),
    ]:
        with pytest.raises(InvalidInputs):
            await plain_stack.parts.generation.start(
                user_id=USER, chat_id=USER, model_id=model_id, values=values
            )
    assert await count_rows(plain_stack, jobs_table) == 0
    assert plain_stack.kie.stats().creates == {}
    assert plain_stack.kie.uploads() == []


# --- the callback body limit --------------------------------------------------------------------


async def test_a_2_mib_callback_gets_200_and_changes_nothing(db_url: str) -> None:
    async with running_stack(db_url, **FUZZ_SETTINGS) as stack:
        [job, *_] = await prepare_jobs(stack)
        before = await snapshot(stack.db)
        queries = stack.kie.stats().record_queries
        shape = market_shape(job.task_id)
        real = json.dumps(shape).encode()
        signed = f"/callbacks/kie?job={job.job_id}&sig={sign_job(str(job.job_id), 'x')}"
        bodies = [
            real + b" " * (2 * MIB - len(real)),  # a real shape, padded past the limit
            b"[" * (2 * MIB),
            b"x" * (2 * MIB),
        ]
        async with aiohttp.ClientSession() as http:
            for body in bodies:
                for path in ("/callbacks/kie", signed):
                    async with http.post(f"{stack.base_url}{path}", data=body) as response:
                        assert response.status == 200
                        assert await response.json() == {"code": 200, "msg": "success"}
            async with http.get(f"{stack.base_url}/health") as response:
                assert response.status == 200
        await asyncio.sleep(0.5)
        assert differences(before, await snapshot(stack.db)) == []
        assert stack.kie.stats().record_queries == queries
