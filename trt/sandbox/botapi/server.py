"""The Bot API emulator: an aiohttp server speaking ``/bot<token>/<method>`` on loopback.

The real aiogram talks to it through ``TelegramAPIServer.from_base(emulator.base_url)``.
Each call is decoded, checked against injected faults and (optionally) Telegram's sending
limits, handled against the in-memory chats, and recorded as a :class:`Call`. Tests drive the
user's side through :meth:`BotApiEmulator.user`; people use the web chat page at ``/``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from trt.sandbox.botapi.chat_http import add_chat_routes
from trt.sandbox.botapi.chats import Chat, ChatStore
from trt.sandbox.botapi.context import BotProfile, Context
from trt.sandbox.botapi.errors import ApiError, not_found, unauthorized
from trt.sandbox.botapi.fetch import UrlFetcher
from trt.sandbox.botapi.files import FileStore
from trt.sandbox.botapi.limits import Fault, FaultInjector, RateLimiter
from trt.sandbox.botapi.methods import lookup
from trt.sandbox.botapi.params import Params, read_params
from trt.sandbox.botapi.payments import PaymentBook
from trt.sandbox.botapi.queries import QueryBook
from trt.sandbox.botapi.recording import Call, CallLog
from trt.sandbox.botapi.updates import UpdateQueue
from trt.sandbox.botapi.user import UserDriver
from trt.sandbox.botapi.webhook import WebhookDelivery, WebhookPusher

log = logging.getLogger(__name__)

# Above the 50 MB upload limit, so oversized files get Telegram's 413 from the method itself.
MAX_REQUEST_BYTES = 64 * 1024 * 1024
WAIT_STEP_SECONDS = 0.05
SHUTDOWN_TIMEOUT_SECONDS = 2.0


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


class BotApiEmulator:
    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",  # noqa: S107 - the sandbox's fake token
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "trt_sandbox_bot",
        bot_first_name: str = "TRT Sandbox",
        enforce_limits: bool = False,
        webhook_attempts: int = 3,
        webhook_retry_delay: float = 0.2,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.enforce_limits = enforce_limits
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        updates = UpdateQueue()
        self.ctx = Context(
            profile=BotProfile(user=_bot_user(bot_id, bot_first_name, bot_username)),
            chats=ChatStore(),
            files=FileStore(),
            updates=updates,
            webhook=WebhookPusher(
                updates, attempts=webhook_attempts, retry_delay=webhook_retry_delay
            ),
            queries=QueryBook(),
            payments=PaymentBook(),
            fetcher=UrlFetcher(),
        )
        self.log = CallLog()
        self.faults = FaultInjector()
        self.limiter = RateLimiter()
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def bot_user(self) -> dict[str, Any]:
        return dict(self.ctx.profile.user)

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_call)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_download)
        add_chat_routes(app, self)
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = int(self._runner.addresses[0][1])
        log.info("botapi.started url=%s", self.base_url)

    async def stop(self) -> None:
        self.ctx.queries.cancel_all()
        await self.ctx.updates.close()
        self.ctx.chats.touch()  # releases the chat page's long polls
        await self.ctx.webhook.close()
        await self.ctx.fetcher.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _handle_call(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        found = lookup(name)
        method = found[0] if found else name
        params = Params({}, {})
        try:
            if request.match_info["token"] != self.token:
                raise unauthorized()
            if found is None:
                raise not_found()
            params = await read_params(request)
            await self._before(method, params)
            result = await found[1](self.ctx, params)
        except ApiError as error:
            self._record(method, params, None, error)
            return _json(error.payload(), status=error.status)
        self._record(method, params, result, None)
        return _json({"ok": True, "result": result})

    async def _before(self, method: str, params: Params) -> None:
        try:
            chat_id = params.integer("chat_id")
        except ApiError:
            chat_id = None
        fault = self.faults.take(method, chat_id)
        if fault is not None:
            await fault.apply()
        if self.enforce_limits:
            self.limiter.check(method, chat_id, paid=params.flag("allow_paid_broadcast"))

    def _record(self, method: str, params: Params, result: Any, error: ApiError | None) -> None:
        if error is not None and error.status >= 400 and method.lower() != "getupdates":
            log.debug("botapi.refused method=%s status=%s", method, error.status)
        call = Call(method, params.values, params.uploads, result, error, time.time())
        self.log.add(call)

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _json(unauthorized().payload(), status=401)
        stored = self.ctx.files.by_path(request.match_info["path"])
        if stored is None:
            return _json(not_found().payload(), status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    def calls(self, method: str | None = None) -> list[Call]:
        return self.log.calls(method)

    def sent(self, method: str) -> list[Call]:
        return self.log.sent(method)

    def fail_next(
        self,
        method: str,
        status: int | None = None,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        count: int = 1,
        delay: float = 0.0,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*" for any) hang and/or fail; with
        ``chat_id``, only the calls for that chat."""
        if status == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(method.lower(), status, description, retry_after, delay, count, chat_id)
        self.faults.add(fault)

    @property
    def too_many_requests(self) -> int:
        """How many 429 replies the bot has received (injected or from enforced limits)."""
        return self.log.count_status(429)

    def rate_limited(self, chat_id: int) -> int:
        return self.limiter.rejections[chat_id]

    async def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (a new ``update_id`` unless it carries one); returns the id."""
        return await self.ctx.deliver(update, keep_id="update_id" in update)

    async def redeliver(self, update_id: int) -> int:
        """Deliver an update again: the same id to a webhook, a fresh id to a poller."""
        original = self.ctx.updates.pushed(update_id)
        if original is None:
            raise LookupError(f"update {update_id} was never pushed")
        if self.ctx.webhook.config is None:
            original.pop("update_id")
        return await self.ctx.deliver(original, keep_id=True)

    def user(
        self,
        user_id: int = 1001,
        first_name: str = "Test",
        language_code: str | None = "ru",
        username: str | None = None,
        last_name: str | None = None,
    ) -> UserDriver:
        """The user's side of the private chat with ``user_id`` (created on first use)."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value:
                user[key] = value
        return UserDriver(self.ctx, self.ctx.chats.ensure(user))

    def chat(self, chat_id: int) -> Chat | None:
        return self.ctx.chats.get(chat_id)

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        return list(self.ctx.webhook.deliveries)

    async def wait_until(
        self,
        condition: Callable[[], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - test-driver API, bounded inside
    ) -> None:
        """Wait until ``condition()`` holds, re-checking after each call and chat change."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            # Bot-side changes always come with a recorded call; the short cap catches the rest.
            version = self.log.changes.version
            await self.log.changes.wait_newer(version, min(remaining, WAIT_STEP_SECONDS))


def _bot_user(bot_id: int, first_name: str, username: str) -> dict[str, Any]:
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }
