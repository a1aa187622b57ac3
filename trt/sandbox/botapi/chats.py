"""Per-chat state: every message the user and the bot exchanged, as the user sees it now.

A :class:`StoredMessage` holds the message's current Bot API JSON and its earlier versions, so
tests and the web chat page can read both "what is on screen" and "how it got there".
Every change bumps :attr:`ChatStore.changes`, which long-polling readers wait on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trt.sandbox.botapi.changes import ChangeSignal
from trt.sandbox.botapi.errors import BLOCKED, bad_request, forbidden

MEDIA_KINDS = ("photo", "video", "animation", "audio", "voice", "document", "sticker")
SERVICE_KINDS = ("invoice", "successful_payment", "refunded_payment")


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    from_bot: bool
    data: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    @property
    def text(self) -> str | None:
        """The text or the caption, whichever the message has."""
        value = self.data.get("text", self.data.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def kind(self) -> str:
        for name in (*MEDIA_KINDS, *SERVICE_KINDS):
            if name in self.data:
                return name
        return "text"

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        markup = self.data.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or []
        return [list(row) for row in rows]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for row in self.buttons for b in row if "callback_data" in b]

    @property
    def edited(self) -> bool:
        return bool(self.history)

    @property
    def file_id(self) -> str | None:
        """The file of a media message (the largest size of a photo)."""
        media = self.data.get(self.kind)
        if isinstance(media, list) and media:
            media = media[-1]
        if isinstance(media, dict):
            value = media.get("file_id")
            return value if isinstance(value, str) else None
        return None


@dataclass
class Chat:
    id: int
    user: dict[str, Any]
    messages: list[StoredMessage] = field(default_factory=list)
    blocked: bool = False
    reply_keyboard: dict[str, Any] | None = None
    last_action: str | None = None
    next_message_id: int = 1

    def as_json(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private"}
        for key in ("first_name", "last_name", "username"):
            if self.user.get(key):
                chat[key] = self.user[key]
        return chat


class ChatStore:
    """Private chats keyed by the user's id (a private chat's id is the user's id)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._chats: dict[int, Chat] = {}
        self.changes = ChangeSignal()
        self.clock = clock

    def ensure(self, user: dict[str, Any]) -> Chat:
        chat = self._chats.get(int(user["id"]))
        if chat is None:
            chat = Chat(id=int(user["id"]), user=dict(user))
            self._chats[chat.id] = chat
            self.changes.bump()
        return chat

    def get(self, chat_id: int) -> Chat | None:
        return self._chats.get(chat_id)

    def all(self) -> list[Chat]:
        return list(self._chats.values())

    def target(self, chat_id: Any) -> Chat:
        """The chat a bot call addresses; 400 if unknown, 403 if the user blocked the bot."""
        try:
            chat = self._chats.get(int(chat_id))
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            raise forbidden(BLOCKED)
        return chat

    def add(self, chat: Chat, content: dict[str, Any], *, from_bot: bool) -> StoredMessage:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data = {"message_id": message_id, "date": int(self.clock()), "chat": chat.as_json()}
        data.update(content)
        stored = StoredMessage(chat_id=chat.id, message_id=message_id, from_bot=from_bot, data=data)
        chat.messages.append(stored)
        self.changes.bump()
        return stored

    def find(self, chat: Chat, message_id: int) -> StoredMessage | None:
        for message in chat.messages:
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def replace(self, message: StoredMessage, data: dict[str, Any]) -> None:
        message.history.append(message.data)
        message.data = data
        self.changes.bump()

    def delete(self, message: StoredMessage) -> None:
        message.deleted = True
        self.changes.bump()

    def touch(self) -> None:
        self.changes.bump()
