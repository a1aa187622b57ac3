"""Long polling that follows leadership: only the active instance calls getUpdates."""

import asyncio
import contextlib

import structlog
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeDefault

from trt.bot.texts import LANGUAGES, Translations

log = structlog.get_logger(__name__)

COMMANDS = ("start", "history", "balance", "topup", "promo", "lang", "cancel", "help")
MAX_PREPARE_DELAY = 60.0
STOP_GRACE_SECONDS = 5.0


async def register_commands(bot: Bot, translations: Translations) -> None:
    """The command menu in both languages (Russian is also the default for everyone else)."""
    for language in LANGUAGES:
        t = translations[language]
        commands = [BotCommand(command=name, description=t(f"cmd-{name}")) for name in COMMANDS]
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=language)
        if language == "ru":
            await bot.set_my_commands(commands, scope=BotCommandScopeDefault())


class Poller:
    def __init__(self, *, dispatcher: Dispatcher, bot: Bot, translations: Translations) -> None:
        self._dp = dispatcher
        self._bot = bot
        self._translations = translations
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self.running:
            return
        self._task = asyncio.create_task(self._poll(), name="telegram-polling")
        log.info("telegram.polling_started")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None or task.done():
            return
        with contextlib.suppress(RuntimeError):  # polling may not have started its loop yet
            await self._dp.stop_polling()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=STOP_GRACE_SECONDS)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        log.info("telegram.polling_stopped")

    async def _poll(self) -> None:
        await self._prepare()
        await self._dp.start_polling(
            self._bot,
            handle_signals=False,
            close_bot_session=False,
            polling_timeout=25,
            allowed_updates=self._dp.resolve_used_update_types(),
        )

    async def _prepare(self) -> None:
        """Drop any webhook (polling and a webhook exclude each other) and set the commands.

        Telegram may be unreachable or the token wrong: keep trying with a growing pause, so the
        process stays up, healthy and honest in its logs until the operator fixes it.
        """
        delay = 1.0
        while True:
            try:
                await self._bot.delete_webhook(drop_pending_updates=False)
                await register_commands(self._bot, self._translations)
            except TelegramAPIError as exc:
                failure = type(exc).__name__
            else:
                return
            log.error("telegram.unavailable", error=failure, retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_PREPARE_DELAY)
