"""The Bot and its HTTP session: which Bot API server, and retrying Telegram's 429s."""

import asyncio
from typing import Any

import structlog
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = structlog.get_logger(__name__)

MAX_RETRY_AFTER_SECONDS = 60


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Wait out Telegram's `retry_after` and try again, a bounded number of times."""

    def __init__(self, *, attempts: int = 3) -> None:
        self._attempts = attempts

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self._attempts or exc.retry_after > MAX_RETRY_AFTER_SECONDS:
                    raise
                log.warning(
                    "telegram.retry_after",
                    method=type(method).__name__,
                    retry_after=exc.retry_after,
                    attempt=attempt,
                )
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")  # pragma: no cover


class PinnedResponseTypes(BaseRequestMiddleware):
    """Keep aiogram's per-method `Response[...]` models alive.

    aiogram parametrises `Response[method.__returning__]` on every call and pydantic caches
    that class only weakly, so after each garbage collection it is built again (~0.3 ms a
    call, measured in bench/callback_to_delivery.py). One strong reference per method fixes it.
    """

    def __init__(self) -> None:
        self._pinned: dict[type[Any], Any] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        kind = type(method)
        if kind not in self._pinned:
            self._pinned[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)


def build_bot(*, token: str, api_base: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    session.middleware(PinnedResponseTypes())
    session.middleware(RetryAfterMiddleware())
    return Bot(token, session=session)
