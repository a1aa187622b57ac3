"""Cross-cutting work for every update: correlation id and log context, the user's account
and language, throttling. Decisions stay in services and handlers."""

import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import TelegramObject, Update, User

from trt.bot.texts import Translations, language_for
from trt.services.accounts import Accounts
from trt.services.model_overrides import ModelOverrides
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


class OfferMiddleware(BaseMiddleware):
    """Outer update middleware: hands handlers the catalog and pricing in force (the
    operator's overrides applied) as `catalog` and `pricing`, from a cache that costs no
    database query per update."""

    def __init__(self, *, overrides: ModelOverrides) -> None:
        self._overrides = overrides

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        offer = await self._overrides.offer()
        data["catalog"] = offer.catalog
        data["pricing"] = offer.pricing
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


class TokenBuckets:
    """A token bucket per key: `burst` tokens, refilled at `rate` per second.

    Kept in this process's memory: each instance (several behind a webhook balancer) counts
    on its own, so a user spread over n instances gets up to n times the rate. That is enough
    for what it is for (button mashing); correctness under repeats comes from idempotent starts
    and claims, never from here. A bucket idle long enough to be full again is forgotten.
    """

    def __init__(
        self, *, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # key → (tokens, at)
        self._refill_seconds = burst / rate
        self._pruned_at = clock()

    def take(self, key: int) -> bool:
        """Spend a token of `key`'s bucket; False when it is empty (too fast)."""
        now = self._clock()
        self._prune(now)
        tokens, at = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - at) * self._rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        return allowed

    def __len__(self) -> int:
        return len(self._buckets)

    def _prune(self, now: float) -> None:
        if now - self._pruned_at < self._refill_seconds:
            return
        self._pruned_at = now
        idle = [key for key, (_, at) in self._buckets.items() if now - at >= self._refill_seconds]
        for key in idle:
            del self._buckets[key]


class Throttling(BaseMiddleware):
    """Outermost update middleware: drops a user's messages and button presses that come
    faster than the buckets allow, before any database work. A dropped press is still
    answered (a short "too fast" toast in the language of the user's Telegram client), so the
    button stops spinning. Never throttled: payments (pre-checkout queries, successful
    payments), albums (one user action, several messages) and updates without a user.
    """

    def __init__(self, *, translations: Translations, buckets: TokenBuckets) -> None:
        self._translations = translations
        self._buckets = buckets

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user: User | None = data.get("event_from_user")
        if user is None or not _throttled_kind(event) or self._buckets.take(user.id):
            return await handler(event, data)
        structlog.get_logger(__name__).info(
            "update.throttled", user_id=user.id, update_id=event.update_id, kind=event.event_type
        )
        query = event.callback_query
        if query is not None:
            t = self._translations[language_for(user.language_code)]
            with contextlib.suppress(TelegramAPIError):  # too old or answered: nothing to stop
                await data["bot"].answer_callback_query(query.id, text=t("too-fast"))
        return None


def _throttled_kind(update: Update) -> bool:
    if update.callback_query is not None:
        return True
    message = update.message
    return (
        message is not None
        and message.successful_payment is None
        and message.media_group_id is None
    )
