"""Everything a Bot API method handler may read or change, passed to it as one object."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from trt.sandbox.botapi.chats import ChatStore
from trt.sandbox.botapi.fetch import UrlFetcher
from trt.sandbox.botapi.files import FileStore
from trt.sandbox.botapi.params import Params
from trt.sandbox.botapi.payments import PaymentBook
from trt.sandbox.botapi.queries import CALLBACK_MAX_AGE, PRE_CHECKOUT_DEADLINE, QueryBook
from trt.sandbox.botapi.updates import UpdateQueue, update_type
from trt.sandbox.botapi.webhook import WebhookPusher


@dataclass
class BotProfile:
    """What ``getMe`` and the ``set/getMy*`` methods report."""

    user: dict[str, Any]
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    menu_button: dict[str, Any] = field(default_factory=lambda: {"type": "commands"})


@dataclass
class Context:
    profile: BotProfile
    chats: ChatStore
    files: FileStore
    updates: UpdateQueue
    webhook: WebhookPusher
    queries: QueryBook
    payments: PaymentBook
    fetcher: UrlFetcher
    clock: Callable[[], float] = time.time

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            key: self.profile.user[key]
            for key in ("id", "is_bot", "first_name", "username")
            if key in self.profile.user
        }

    async def deliver(self, update: dict[str, Any], *, keep_id: bool = False) -> int:
        """Queue an update for the bot, opening any query it carries so it can be answered."""
        kind = update_type(update)
        if kind == "callback_query":
            query_id = str(update[kind]["id"])
            if not self.queries.is_open(kind, query_id):
                self.queries.open(kind, query_id, max_age=CALLBACK_MAX_AGE)
        elif kind == "pre_checkout_query":
            query_id = str(update[kind]["id"])
            if not self.queries.is_open(kind, query_id):
                self.queries.open(kind, query_id, max_age=PRE_CHECKOUT_DEADLINE)
        return await self.updates.push(update, keep_id=keep_id)


Handler = Callable[[Context, Params], Awaitable[Any]]
