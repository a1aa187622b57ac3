"""The admin services' ports on the aiogram Bot: broadcast sends (through the SendLimiter),
the broadcast progress message and report, and the low-KIE-balance alert."""

import asyncio
import contextlib
from collections.abc import Mapping
from decimal import Decimal

import structlog
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)

from trt.bot.admin import views
from trt.bot.limiter import SendLimiter
from trt.bot.texts import DEFAULT_LANGUAGE, Translations
from trt.services.broadcast import Progress
from trt.services.ports import DeliveryTemporarilyFailed, MessageRejected, RecipientUnavailable
from trt.storage.broadcasts import Broadcast

log = structlog.get_logger(__name__)

CHAT_GONE = ("chat not found", "peer_id_invalid", "user not found", "user is deactivated")
ATTEMPTS = 3
MAX_RETRY_AFTER = 60.0


class TelegramBroadcastSender:
    def __init__(self, *, bot: Bot, limits: SendLimiter) -> None:
        self._bot = bot
        self._limits = limits

    async def send(self, *, chat_id: int, text: str | None, photo_file_id: str | None) -> None:
        """Blocked or gone chats raise RecipientUnavailable, a message Telegram refuses (400)
        MessageRejected; network errors, 5xx and 429s beyond the wait budget (each one within
        it pauses every send of this process) DeliveryTemporarilyFailed."""
        retry_after = 0.0
        for _ in range(ATTEMPTS):
            await self._limits.acquire(chat_id)
            try:
                await self._send_once(chat_id, text, photo_file_id)
            except TelegramRetryAfter as exc:
                retry_after = float(exc.retry_after)
                if retry_after > MAX_RETRY_AFTER:
                    raise DeliveryTemporarilyFailed(exc.message, retry_after=retry_after) from exc
                self._limits.pause(retry_after)
            except TelegramForbiddenError as exc:
                raise RecipientUnavailable(exc.message) from exc
            except TelegramBadRequest as exc:
                if any(marker in exc.message.lower() for marker in CHAT_GONE):
                    raise RecipientUnavailable(exc.message) from exc
                raise MessageRejected(exc.message) from exc
            except TelegramAPIError as exc:  # 5xx, network errors and the rest: try later
                raise DeliveryTemporarilyFailed(exc.message) from exc
            else:
                return
        raise DeliveryTemporarilyFailed("too many 429s", retry_after=retry_after)

    async def _send_once(self, chat_id: int, text: str | None, photo_file_id: str | None) -> None:
        if photo_file_id is not None:
            await self._bot.send_photo(chat_id, photo_file_id, caption=text)
        else:
            await self._bot.send_message(chat_id, text or "")


class TelegramAdminReports:
    """Progress and reports for the admin who started a broadcast; alerts for every admin."""

    def __init__(self, *, bot: Bot, translations: Translations) -> None:
        self._bot = bot
        self._translations = translations

    async def progress(self, broadcast: Broadcast, progress: Progress) -> int | None:
        text = views.progress(self._translations[broadcast.language], progress)
        try:
            if broadcast.progress_message_id is None:
                sent = await self._bot.send_message(broadcast.admin_id, text)
                return sent.message_id
            with contextlib.suppress(TelegramBadRequest):  # "message is not modified"
                await self._bot.edit_message_text(
                    text, chat_id=broadcast.admin_id, message_id=broadcast.progress_message_id
                )
        except TelegramAPIError as exc:
            log.warning("broadcast.progress_failed", error=type(exc).__name__)
        return broadcast.progress_message_id

    async def finished(self, broadcast: Broadcast, progress: Progress) -> None:
        t = self._translations[broadcast.language]
        if broadcast.progress_message_id is not None:
            with contextlib.suppress(TelegramAPIError):
                await self._bot.edit_message_text(
                    views.progress(t, progress),
                    chat_id=broadcast.admin_id,
                    message_id=broadcast.progress_message_id,
                )
        try:
            await self._bot.send_message(broadcast.admin_id, views.report(t, progress))
        except TelegramAPIError as exc:
            log.warning("broadcast.report_failed", error=type(exc).__name__)

    async def low_kie_balance(self, *, admins: Mapping[int, str | None], credits: Decimal) -> None:
        amount = f"{credits.normalize():f}"

        def alert(admin_id: int) -> str:  # in the admin's language
            t = self._translations[admins[admin_id] or DEFAULT_LANGUAGE]
            return t("admin-kie-alert", credits=amount)

        order = sorted(admins)
        results = await asyncio.gather(
            *(self._bot.send_message(admin_id, alert(admin_id)) for admin_id in order),
            return_exceptions=True,
        )
        for admin_id, result in zip(order, results, strict=True):
            if isinstance(result, Exception):
                log.warning("kie.alert_failed", admin_id=admin_id, error=type(result).__name__)
