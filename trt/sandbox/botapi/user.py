"""The user's side of a private chat, for tests and the web chat page.

A :class:`UserDriver` sends what a Telegram client would send (messages, commands, photos,
documents, button presses, payments) as updates to the bot, and reads the chat as the user
sees it. Waiting helpers are bounded by a timeout and raise ``TimeoutError`` describing what
the chat holds, so a failing test says what the bot did instead.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from trt.sandbox.botapi.chats import Chat, StoredMessage
from trt.sandbox.botapi.checkout import PaymentOutcome, pay
from trt.sandbox.botapi.context import Context
from trt.sandbox.botapi.imaging import image_info
from trt.sandbox.botapi.queries import CALLBACK_MAX_AGE

MessageRef = StoredMessage | int | dict[str, Any]


@dataclass(frozen=True)
class PressResult:
    """How the bot answered a button press (``answered`` is False after the timeout)."""

    answered: bool
    update_id: int
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


class UserDriver:
    def __init__(self, ctx: Context, chat: Chat) -> None:
        self._ctx = ctx
        self.chat = chat

    @property
    def user(self) -> dict[str, Any]:
        return dict(self.chat.user)

    @property
    def user_id(self) -> int:
        return self.chat.id

    async def _send(self, content: dict[str, Any]) -> StoredMessage:
        message = self._ctx.chats.add(self.chat, {"from": self.user, **content}, from_bot=False)
        await self._ctx.deliver({"message": dict(message.data)})
        return message

    async def send_text(self, text: str) -> StoredMessage:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._send(content)

    async def send_command(self, command: str, payload: str | None = None) -> StoredMessage:
        command = command if command.startswith("/") else f"/{command}"
        return await self.send_text(f"{command} {payload}" if payload else command)

    async def send_photo(self, data: bytes, caption: str | None = None) -> StoredMessage:
        info = image_info(data)
        if info is None:
            raise ValueError("send_photo needs PNG, JPEG, GIF or WebP bytes")
        stored = self._ctx.files.add(
            data, kind="photo", mime_type=info.mime_type, width=info.width, height=info.height
        )
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "width": info.width,
            "height": info.height,
        }
        content: dict[str, Any] = {"photo": [size]}
        if caption:
            content["caption"] = caption
        return await self._send(content)

    async def send_document(
        self,
        data: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> StoredMessage:
        stored = self._ctx.files.add(
            data, kind="document", mime_type=mime_type, file_name=file_name
        )
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": stored.size,
        }
        content: dict[str, Any] = {"document": document}
        if caption:
            content["caption"] = caption
        return await self._send(content)

    def message(self, ref: MessageRef) -> StoredMessage:
        message_id = ref.message_id if isinstance(ref, StoredMessage) else ref
        if isinstance(message_id, dict):
            message_id = message_id["message_id"]
        found = self._ctx.chats.find(self.chat, int(message_id))
        if found is None:
            raise LookupError(f"message {message_id} is not in chat {self.chat.id}")
        return found

    async def press(
        self,
        ref: MessageRef,
        callback_data: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - test-driver API, bounded inside
        check: bool = True,
    ) -> PressResult:
        """Press an inline button; ``check=False`` sends data no button carries."""
        message = self.message(ref)
        if check and callback_data not in message.callback_data:
            raise LookupError(f"no button {callback_data!r} on message {message.message_id}")
        query_id = str(secrets.randbits(62))
        query = self._ctx.queries.open("callback_query", query_id, max_age=CALLBACK_MAX_AGE)
        update = {
            "callback_query": {
                "id": query_id,
                "from": self.user,
                "message": dict(message.data),
                "chat_instance": str(self.chat.id * 31 + 7),
                "data": callback_data,
            }
        }
        update_id = await self._ctx.deliver(update)
        try:
            answer = await asyncio.wait_for(asyncio.shield(query.answer), timeout)
        except TimeoutError:
            return PressResult(answered=False, update_id=update_id)
        return PressResult(
            answered=True,
            update_id=update_id,
            text=answer["text"],
            show_alert=answer["show_alert"],
            url=answer["url"],
        )

    async def click(
        self,
        button_text: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - test-driver API, bounded inside
    ) -> PressResult:
        """Press the button labelled ``button_text`` on the newest bot message showing it."""
        for message in reversed(self.messages(from_bot=True)):
            for row in message.buttons:
                for button in row:
                    if button.get("text") == button_text and "callback_data" in button:
                        return await self.press(message, button["callback_data"], timeout=timeout)
        raise LookupError(f"no button labelled {button_text!r} in chat {self.chat.id}")

    async def pay(
        self,
        invoice_message: MessageRef,
        *,
        email: str | None = None,
        deadline: float = 10.0,
        on_approved: Callable[[], Awaitable[None]] | None = None,
    ) -> PaymentOutcome:
        """Pay an invoice; ``on_approved`` runs after the bot's ok, before the charge."""
        message = self.message(invoice_message)
        invoice = self._ctx.payments.invoice(self.chat.id, message.message_id)
        if invoice is None:
            raise LookupError(f"message {message.message_id} is not an invoice")
        return await pay(
            self._ctx, self.chat, invoice, email=email, deadline=deadline, on_approved=on_approved
        )

    def messages(
        self, *, from_bot: bool | None = None, include_deleted: bool = False
    ) -> list[StoredMessage]:
        return [
            message
            for message in self.chat.messages
            if (include_deleted or not message.deleted)
            and (from_bot is None or message.from_bot == from_bot)
        ]

    def last_message(self, *, from_bot: bool = True) -> StoredMessage | None:
        found = self.messages(from_bot=from_bot)
        return found[-1] if found else None

    async def wait_for(
        self,
        predicate: Callable[[StoredMessage], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - test-driver API, bounded inside
        since: MessageRef | None = None,
    ) -> StoredMessage:
        """The newest bot message (after ``since``) that matches, waiting up to ``timeout``."""
        after = self.message(since).message_id if since is not None else 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            version = self._ctx.chats.changes.version
            for message in reversed(self.messages(from_bot=True)):
                if message.message_id > after and (predicate is None or predicate(message)):
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no matching bot message; chat holds: {self.describe()}")
            await self._ctx.chats.changes.wait_newer(version, remaining)

    def describe(self) -> str:
        lines = [
            f"{'bot' if m.from_bot else 'user'}#{m.message_id} {m.kind}: {m.text!r}"
            for m in self.messages()
        ]
        return "; ".join(lines) or "nothing"

    def block_bot(self) -> None:
        """From now on, the bot's sends to this chat get 403 "bot was blocked by the user"."""
        self.chat.blocked = True
        self._ctx.chats.touch()

    def unblock_bot(self) -> None:
        self.chat.blocked = False
        self._ctx.chats.touch()
