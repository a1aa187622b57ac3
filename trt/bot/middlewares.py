"""Cross-cutting work for every update: correlation id and log context, the user's account
and language. Decisions stay in services and handlers."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from trt.bot.texts import Translations, language_for
from trt.services.accounts import Accounts
from trt.services.update_log import UpdateLog

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ContextMiddleware(BaseMiddleware):
    """Outer update middleware: binds the log context and loads the user's account."""

    def __init__(self, *, accounts: Accounts, translations: Translations) -> None:
        self._accounts = accounts
        self._translations = translations

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user: User | None = data.get("event_from_user")
        with structlog.contextvars.bound_contextvars(
            correlation_id=uuid.uuid4().hex[:16],
            update_id=event.update_id,
            user_id=user.id if user else None,
        ):
            if user is not None and not user.is_bot:
                account = await self._accounts.touch(
                    user_id=user.id,
                    username=user.username,
                    first_name=user.first_name,
                    default_language=language_for(user.language_code),
                )
                data["account"] = account
                data["t"] = self._translations[account.language]
            return await handler(event, data)


class DuplicateUpdateFilter(BaseMiddleware):
    """Outermost: an update already handled (by this or another instance) is dropped."""

    def __init__(self, *, update_log: UpdateLog) -> None:
        self._log = update_log

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        bot = data["bot"]
        if not await self._log.first_time(bot_id=bot.id, update_id=event.update_id):
            structlog.get_logger(__name__).info("update.duplicate", update_id=event.update_id)
            return None
        return await handler(event, data)
