"""Stars that Telegram took are credited even when their `successful_payment` update is lost.

Telegram sends that update once. In polling mode it counts as delivered at the next
`getUpdates`, which goes out while the handler still runs; in webhook mode the request is
answered before the handler runs. A process that dies or loses its database in between never
sees the update again, and the user's Stars are gone without a credit (found by the chaos runs,
tests/chaos/test_payment_recovery.py).

So every `interval` seconds, and once at start, this reads the bot's Star transactions
(`getStarTransactions`: oldest first, `offset` = how many to skip) from an in-memory cursor
and credits every incoming invoice payment whose `tg-charge:<charge id>` ledger key is not
taken, through the same `Payments.complete` the update handler calls. The key keeps the handler,
this sync and any number of instances from crediting one charge twice. A new process reads the
history from the beginning, at most `max_pages` pages per pass.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog

from trt.domain.ledger import telegram_charge_key
from trt.domain.payments import STARS
from trt.services.payments import Completion, Payments
from trt.storage import ledger, users
from trt.storage.database import Database

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class StarPayment:
    """An incoming invoice payment in Telegram's record."""

    charge_id: str
    user_id: int
    stars: int
    payload: str


@dataclass(frozen=True, slots=True)
class TransactionPage:
    size: int  # transactions on the page, of every kind: the cursor moves by this
    payments: Sequence[StarPayment]


class StarTransactions(Protocol):
    async def page(self, *, offset: int, limit: int) -> TransactionPage:
        """Up to `limit` transactions after the first `offset` ones."""
        ...


class PaymentNotices(Protocol):
    async def paid(self, *, user_id: int, completion: Completion, language: str | None) -> None:
        """Tell the user their top-up arrived (best effort)."""
        ...


class StarsSync:
    def __init__(
        self,
        *,
        db: Database,
        payments: Payments,
        transactions: StarTransactions,
        notices: PaymentNotices,
        interval: float = 60.0,
        page_size: int = 100,
        max_pages: int = 10,
    ) -> None:
        self._db = db
        self._payments = payments
        self._transactions = transactions
        self._notices = notices
        self._interval = interval
        self._page_size = page_size
        self._max_pages = max_pages
        self._cursor = 0

    async def run(self) -> None:
        """Sync now and then every `interval` seconds, until cancelled."""
        while True:
            try:
                await self.sync_once()
            except Exception:  # loop boundary: Telegram or the database is away; try later
                log.warning("stars_sync.failed", exc_info=True)
            await asyncio.sleep(self._interval)

    async def sync_once(self) -> int:
        """Credit what Telegram's record holds and the ledger lacks; returns how many."""
        credited = 0
        for _ in range(self._max_pages):
            page = await self._transactions.page(offset=self._cursor, limit=self._page_size)
            credited += await self._credit_missing(page.payments)
            if page.size < self._page_size:
                break  # the newest page: read again from here next time
            self._cursor += page.size
        return credited

    async def _credit_missing(self, found: Sequence[StarPayment]) -> int:
        by_key = {telegram_charge_key(payment.charge_id): payment for payment in found}
        async with self._db.read() as tx:
            known = await ledger.existing_keys(tx, by_key.keys())
        credited = 0
        for key, payment in by_key.items():
            if key not in known and await self._credit(payment):
                credited += 1
        return credited

    async def _credit(self, payment: StarPayment) -> bool:
        done = await self._payments.complete(
            user_id=payment.user_id,
            currency=STARS,
            total_amount=payment.stars,
            payload=payment.payload,
            telegram_charge_id=payment.charge_id,
            provider_charge_id=None,
        )
        if done.duplicate:  # the update's handler got there first
            return False
        log.warning("payment.recovered", user_id=payment.user_id, credited=done.credited)
        async with self._db.read() as tx:
            profile = await users.get_user(tx, payment.user_id)
        await self._notices.paid(
            user_id=payment.user_id,
            completion=done,
            language=profile.language if profile else None,
        )
        return True
