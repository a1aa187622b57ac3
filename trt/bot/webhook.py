"""Webhook mode: feed updates from the HTTP route to the Dispatcher in the background, and keep
Telegram's webhook registration pointing at this service."""

import asyncio
import contextlib
from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError

from trt.bot.polling import register_commands
from trt.bot.texts import Translations

log = structlog.get_logger(__name__)

MAX_CONCURRENT_UPDATES = 64
MAX_REGISTER_DELAY = 60.0


class WebhookFeeder:
    """Handles each accepted update in its own task (held here, awaited at shutdown)."""

    def __init__(self, *, dispatcher: Dispatcher, bot: Bot) -> None:
        self._dp = dispatcher
        self._bot = bot
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_UPDATES)
        self._tasks: set[asyncio.Task[None]] = set()

    async def accept(self, update: dict[str, Any]) -> None:
        task = asyncio.create_task(self._handle(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)

    async def _handle(self, update: dict[str, Any]) -> None:
        async with self._slots:
            try:
                await self._dp.feed_raw_update(self._bot, update)
            except Exception:  # one update's failure must not touch the others
                log.exception("webhook.update_failed", update_id=update.get("update_id"))


class WebhookRegistrar:
    """Points Telegram at our webhook (the active instance does it; it is idempotent)."""

    def __init__(
        self,
        *,
        dispatcher: Dispatcher,
        bot: Bot,
        translations: Translations,
        url: str,
        secret: str,
    ) -> None:
        self._dp = dispatcher
        self._bot = bot
        self._translations = translations
        self._url = url
        self._secret = secret
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._register(), name="webhook-register")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _register(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._bot.set_webhook(
                    self._url,
                    secret_token=self._secret,
                    allowed_updates=self._dp.resolve_used_update_types(),
                )
                await register_commands(self._bot, self._translations)
            except TelegramAPIError as exc:
                failure = type(exc).__name__
            else:
                log.info("telegram.webhook_set", url=self._url)
                return
            log.error("telegram.unavailable", error=failure, retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_REGISTER_DELAY)
