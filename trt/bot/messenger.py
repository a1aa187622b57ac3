"""`services.ports.Messenger` on the aiogram Bot: results as photos, albums, videos, audio, files.

Invariant: every result file becomes exactly one chat message, in file order (an album of n
photos is n messages), and each message's id is reported through `on_sent` as soon as Telegram
accepts it. The delivery service relies on it to resume a partial delivery without resending.

Files are downloaded from the result URL and uploaded (shared/telegram/NOTES.md §4.4: Telegram
fetches URLs only up to 5/20 MB, and provider URLs expire): an image as a photo up to 10 MB and
as a document above, anything else as video, audio or document up to 50 MB; above 50 MB the user
gets a link instead, so a result is never lost. Runs of photos go as albums of up to 10. When
Telegram refuses a form (400, 413) the next is tried: photo/video/audio → document → link.

The caption names the model by its catalog title in the user's language when a catalog is
given, by its id otherwise; it goes on the first message only. Every call passes through the
`SendLimiter`. Errors map to the port's: 403 or "chat not found" → RecipientUnavailable;
5xx, network errors, a result URL that cannot be read, and a 429 longer than
`max_retry_after` or repeated `attempts` times → DeliveryTemporarilyFailed (a result URL
that answers 403, 404 or 410, i.e. expired, → its subclass ResultFileUnavailable). A shorter
429 pauses the limiter (all sends of this process) and the call is retried.

With `paid_broadcast` every send carries `allow_paid_broadcast=True` (0.1 Star a message from the
bot's balance; up to 1000 messages/s overall instead of ~30) and takes from the limiter's paid
bucket: for a bot delivering more results a second than Telegram's free limit allows.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

import aiohttp
import structlog
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InputMediaPhoto, Message
from aiogram.types.media_union import MediaUnion

from trt.bot import keyboards
from trt.bot.limiter import SendLimiter
from trt.bot.texts import DEFAULT_LANGUAGE, Texts, Translations
from trt.domain.catalog import Catalog
from trt.services.ports import (
    DeliveryTemporarilyFailed,
    RecipientUnavailable,
    ResultFileKind,
    ResultFileRef,
    ResultFileUnavailable,
    SentCallback,
)

log = structlog.get_logger(__name__)

T = TypeVar("T")

MB = 1_000_000  # decimal megabytes: on the safe side of Telegram's "10 MB" and "50 MB"
PHOTO_LIMIT = 10 * MB
UPLOAD_LIMIT = 50 * MB
ALBUM_SIZE = 10
CHUNK_BYTES = 64 * 1024
GONE_STATUSES = (403, 404, 410)  # a provider's expired or removed result link
CHAT_GONE = ("chat not found", "peer_id_invalid", "user not found")
# The preferred way to send each kind, and the file extension when the URL has none.
FORMS = {
    ResultFileKind.IMAGE: ("photo", "png"),
    ResultFileKind.VIDEO: ("video", "mp4"),
    ResultFileKind.AUDIO: ("audio", "mp3"),
    ResultFileKind.OTHER: ("document", "bin"),
}


@dataclass(frozen=True, slots=True)
class Fetched:
    ref: ResultFileRef
    data: bytes | None  # None: over the upload limit, only a link can go
    name: str

    def ladder(self) -> tuple[str, ...]:
        """The ways to send this file, best first; the link always comes last."""
        if self.data is None:
            return ("link",)
        way = FORMS[self.ref.kind][0]
        if way == "photo" and len(self.data) > PHOTO_LIMIT:
            way = "document"
        return (way, "document", "link") if way != "document" else ("document", "link")

    @property
    def is_photo(self) -> bool:
        return self.ladder()[0] == "photo"


@dataclass(slots=True)
class Outbox:
    """What one delivery has sent so far; the caption goes on the first message only."""

    caption: str | None
    on_sent: SentCallback | None
    sent: list[int] = field(default_factory=list)

    async def record(self, message_ids: list[int]) -> None:
        self.caption = None
        self.sent.extend(message_ids)
        if self.on_sent is not None:
            await self.on_sent(message_ids)


class TelegramMessenger:
    def __init__(
        self,
        *,
        bot: Bot,
        translations: Translations,
        http: aiohttp.ClientSession,
        limits: SendLimiter,
        catalog: Catalog | None = None,
        attempts: int = 3,
        max_retry_after: float = 60.0,
        upload_timeout: int = 300,
        read_timeout: float = 60.0,
        paid_broadcast: bool = False,
    ) -> None:
        self._bot = bot
        self._paid = paid_broadcast
        self._paid_flag = True if paid_broadcast else None  # None: not sent at all
        self._translations = translations
        self._http = http
        self._limits = limits
        self._catalog = catalog
        self._attempts = attempts
        self._max_retry_after = max_retry_after
        self._upload_timeout = upload_timeout
        self._download_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=read_timeout, sock_read=read_timeout
        )

    async def deliver_result(
        self,
        *,
        chat_id: int,
        model_id: str,
        files: Sequence[ResultFileRef],
        language: str | None,
        on_sent: SentCallback | None = None,
    ) -> list[int]:
        texts = self._translations[language or DEFAULT_LANGUAGE]
        outbox = Outbox(texts("result-caption", model=self._title(model_id, texts)), on_sent)
        for chunk in _chunks(files):
            fetched = [await self._fetch(ref) for ref in chunk]
            for run in _photo_runs(fetched):
                if len(run) > 1 and await self._send_album(chat_id, run, outbox):
                    continue
                for item in run:
                    message_id = await self._send_one(chat_id, item, outbox.caption, texts)
                    await outbox.record([message_id])
        return outbox.sent

    async def offer_actions(self, *, chat_id: int, job_id: int, language: str | None) -> None:
        """`services.ports.ResultActions`: one short message with the job's buttons."""
        texts = self._translations[language or DEFAULT_LANGUAGE]
        markup = keyboards.result_actions(texts, job_id=job_id)
        send = partial(
            self._bot.send_message,
            chat_id,
            texts("result-actions"),
            reply_markup=markup,
            allow_paid_broadcast=self._paid_flag,
        )
        try:
            await self._call(chat_id, send)
        except (TelegramBadRequest, TelegramEntityTooLarge) as exc:
            raise DeliveryTemporarilyFailed(f"actions refused: {exc.message}") from exc

    def _title(self, model_id: str, texts: Texts) -> str:
        if self._catalog is None or model_id not in self._catalog:
            return model_id
        return self._catalog.get(model_id).title.text(texts.language)

    async def _fetch(self, ref: ResultFileRef) -> Fetched:
        try:
            async with self._http.get(ref.url, timeout=self._download_timeout) as response:
                if response.status in GONE_STATUSES:
                    raise ResultFileUnavailable(f"result file answered HTTP {response.status}")
                if response.status != 200:
                    raise DeliveryTemporarilyFailed(f"result file answered HTTP {response.status}")
                data = await _read_within(response, UPLOAD_LIMIT)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryTemporarilyFailed(f"result file download failed: {exc!r}") from exc
        if data is None:
            log.info("messenger.too_large_for_upload", kind=ref.kind.value)
        return Fetched(ref=ref, data=data, name=_file_name(ref))

    async def _send_album(self, chat_id: int, run: list[Fetched], outbox: Outbox) -> bool:
        """Send photos as one album; False if Telegram refused it (send them one by one)."""
        media: list[MediaUnion] = [
            InputMediaPhoto(
                media=BufferedInputFile(item.data or b"", filename=item.name),
                caption=outbox.caption if index == 0 else None,
                parse_mode=None,
            )
            for index, item in enumerate(run)
        ]
        try:
            messages = await self._call(
                chat_id,
                partial(
                    self._bot.send_media_group,
                    chat_id,
                    media,
                    allow_paid_broadcast=self._paid_flag,
                    request_timeout=self._upload_timeout,
                ),
            )
        except (TelegramBadRequest, TelegramEntityTooLarge) as exc:
            log.warning("messenger.album_refused", error=exc.message, items=len(run))
            return False
        await outbox.record([message.message_id for message in messages])
        return True

    async def _send_one(
        self, chat_id: int, item: Fetched, caption: str | None, texts: Texts
    ) -> int:
        ladder = item.ladder()
        for way in ladder:
            try:
                message = await self._call(
                    chat_id, partial(self._send_as, way, chat_id, item, caption, texts)
                )
            except (TelegramBadRequest, TelegramEntityTooLarge) as exc:
                if way == ladder[-1]:
                    raise
                log.warning("messenger.form_refused", way=way, error=exc.message)
            else:
                return message.message_id
        raise AssertionError("unreachable")  # pragma: no cover - the ladder ends with a raise

    def _send_as(
        self, way: str, chat_id: int, item: Fetched, caption: str | None, texts: Texts
    ) -> Awaitable[Message]:
        if way == "link":
            lines = [caption, item.ref.title, texts("result-too-large", url=item.ref.url)]
            text = "\n".join(line for line in lines if line)
            return self._bot.send_message(
                chat_id, text, parse_mode=None, allow_paid_broadcast=self._paid_flag
            )
        file = BufferedInputFile(item.data or b"", filename=item.name)
        timeout = self._upload_timeout
        paid = self._paid_flag
        if way == "photo":
            return self._bot.send_photo(
                chat_id,
                file,
                caption=caption,
                parse_mode=None,
                allow_paid_broadcast=paid,
                request_timeout=timeout,
            )
        if way == "video":
            return self._bot.send_video(
                chat_id,
                file,
                caption=caption,
                parse_mode=None,
                supports_streaming=True,
                allow_paid_broadcast=paid,
                request_timeout=timeout,
            )
        if way == "audio":
            return self._bot.send_audio(
                chat_id,
                file,
                caption=caption,
                parse_mode=None,
                title=item.ref.title,
                allow_paid_broadcast=paid,
                request_timeout=timeout,
            )
        return self._bot.send_document(
            chat_id,
            file,
            caption=caption,
            parse_mode=None,
            allow_paid_broadcast=paid,
            request_timeout=timeout,
        )

    async def _call(self, chat_id: int, make: Callable[[], Awaitable[T]]) -> T:
        """One Bot API call within the limits; Telegram's refusals mapped to the port's errors."""
        for attempt in range(1, self._attempts + 1):
            await self._limits.acquire(chat_id, paid=self._paid)
            try:
                return await make()
            except TelegramRetryAfter as exc:
                self._limits.pause(min(exc.retry_after, self._max_retry_after))
                if attempt == self._attempts or exc.retry_after > self._max_retry_after:
                    raise DeliveryTemporarilyFailed(
                        f"Telegram asks to wait {exc.retry_after} s", retry_after=exc.retry_after
                    ) from exc
                log.warning("messenger.retry_after", retry_after=exc.retry_after, attempt=attempt)
            except (TelegramForbiddenError, TelegramMigrateToChat) as exc:
                raise RecipientUnavailable(exc.message) from exc
            except TelegramBadRequest as exc:
                if any(marker in exc.message.lower() for marker in CHAT_GONE):
                    raise RecipientUnavailable(exc.message) from exc
                raise
            except TelegramEntityTooLarge:
                raise
            except (TelegramServerError, TelegramNetworkError) as exc:
                raise DeliveryTemporarilyFailed(f"Telegram unavailable: {exc.message}") from exc
        raise AssertionError("unreachable")  # pragma: no cover - the last attempt raises


def _chunks(files: Sequence[ResultFileRef]) -> list[list[ResultFileRef]]:
    """Consecutive images in groups of up to an album's size; every other file alone."""
    chunks: list[list[ResultFileRef]] = []
    for ref in files:
        if (
            ref.kind is ResultFileKind.IMAGE
            and chunks
            and chunks[-1][-1].kind is ResultFileKind.IMAGE
            and len(chunks[-1]) < ALBUM_SIZE
        ):
            chunks[-1].append(ref)
        else:
            chunks.append([ref])
    return chunks


def _photo_runs(items: list[Fetched]) -> list[list[Fetched]]:
    """Consecutive photos together (an album when two or more); anything else alone."""
    runs: list[list[Fetched]] = []
    for item in items:
        if item.is_photo and runs and runs[-1][-1].is_photo:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


async def _read_within(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed `limit` bytes."""
    if response.content_length is not None and response.content_length > limit:
        return None
    body = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK_BYTES):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _file_name(ref: ResultFileRef) -> str:
    name = urlsplit(ref.url).path.rstrip("/").rsplit("/", 1)[-1]
    if "." not in name:
        name = f"{name or 'result'}.{FORMS[ref.kind][1]}"
    return name
