"""The lifecycle's chat side: fetch users' files from Telegram, and keep one status message per
job up to date (queued → generating with elapsed time → done / failed)."""

import contextlib
import io

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from trt.bot.texts import Translations
from trt.domain.catalog import Catalog
from trt.domain.errors import TrtError
from trt.domain.jobs import FailReason, JobStatus
from trt.domain.money import format_rub
from trt.services.ports import MediaUnavailable

TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024


class TelegramFiles:
    """User files by Telegram file id. The bytes go to KIE's upload API: a Telegram file URL
    carries the bot token and must never leave this process."""

    def __init__(self, *, bot: Bot) -> None:
        self._bot = bot

    async def fetch(self, ref: str) -> bytes:
        try:
            file = await self._bot.get_file(ref)
            if file.file_size is not None and file.file_size > TELEGRAM_DOWNLOAD_LIMIT:
                raise MediaUnavailable(f"file of {file.file_size} bytes is over Telegram's limit")
            buffer = io.BytesIO()
            await self._bot.download(file, destination=buffer)
        except TelegramBadRequest as exc:
            raise MediaUnavailable(exc.message) from exc
        return buffer.getvalue()


class StatusMessages:
    def __init__(self, *, bot: Bot, translations: Translations, catalog: Catalog) -> None:
        self._bot = bot
        self._translations = translations
        self._catalog = catalog

    async def progress(
        self,
        *,
        chat_id: int,
        message_id: int | None,
        model_id: str,
        status: JobStatus,
        elapsed: float,
        language: str | None,
    ) -> None:
        t = self._translations[language or "ru"]
        key = "job-queued" if status is JobStatus.SUBMITTED else "job-running"
        text = t(key, model=self._title(model_id, t.language), elapsed=round(elapsed))
        await self._show(chat_id, message_id, text, new_if_missing=False)

    async def succeeded(
        self,
        *,
        chat_id: int,
        message_id: int | None,
        model_id: str,
        elapsed: float,
        language: str | None,
    ) -> None:
        t = self._translations[language or "ru"]
        text = t("job-done", model=self._title(model_id, t.language), elapsed=round(elapsed))
        await self._show(chat_id, message_id, text, new_if_missing=False)

    async def failed(
        self,
        *,
        chat_id: int,
        message_id: int | None,
        model_id: str,
        reason: FailReason,
        refunded: int,
        is_free: bool,
        language: str | None,
    ) -> None:
        t = self._translations[language or "ru"]
        lines = [
            t("job-failed", model=self._title(model_id, t.language)),
            t(f"job-failed-{reason.value}"),
            t("job-free-returned") if is_free else t("job-refunded", amount=format_rub(refunded)),
        ]
        await self._show(chat_id, message_id, "\n".join(lines), new_if_missing=True)

    async def _show(
        self, chat_id: int, message_id: int | None, text: str, *, new_if_missing: bool
    ) -> None:
        if message_id is not None:
            try:
                await self._bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
            except TelegramBadRequest as exc:
                if "not modified" in exc.message:
                    return
            else:
                return
        if message_id is not None or new_if_missing:
            with contextlib.suppress(TelegramAPIError):
                await self._bot.send_message(chat_id, text)

    def _title(self, model_id: str, language: str) -> str:
        try:
            return self._catalog.get(model_id).title.text(language)
        except TrtError:
            return model_id
