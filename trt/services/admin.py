"""Operator use cases: find a user, adjust their balance, ban or unban them, read the KIE
credit balance and alert the admins when it runs low. Every action is audited in the same
transaction that performs it."""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Protocol

import structlog

from trt.domain.errors import UnknownUser
from trt.domain.ledger import EntryKind
from trt.domain.payments import PaymentOrder
from trt.services.ports import Clock
from trt.storage import admin, ledger, payments, users
from trt.storage.admin import JobLine
from trt.storage.database import Database
from trt.storage.ledger import Balance, LedgerEntry
from trt.storage.users import UserProfile

log = structlog.get_logger(__name__)

CARD_ROWS = 5
LOW_BALANCE_ACTION = "kie-low-balance"
ALERT_GAP = timedelta(hours=1)


class CreditSource(Protocol):
    async def credits(self) -> Decimal: ...


class AdminNotifier(Protocol):
    async def low_kie_balance(self, *, admins: Mapping[int, str | None], credits: Decimal) -> None:
        """Tell every admin (id -> their language; None: never seen, the default one) that the
        KIE balance is below the threshold."""
        ...


@dataclass(frozen=True, slots=True)
class UserCard:
    profile: UserProfile
    balance: Balance
    entries: list[LedgerEntry]
    jobs: list[JobLine]
    orders: list[PaymentOrder]


@dataclass(frozen=True, slots=True)
class Adjustment:
    user_id: int
    amount: int
    available: int
    duplicate: bool


def adjust_key(admin_id: int, message_id: int) -> str:
    return f"admin-adjust:{admin_id}:{message_id}"


class AdminTools:
    def __init__(self, *, db: Database, clock: Clock, kie: CreditSource) -> None:
        self._db = db
        self._clock = clock
        self._kie = kie

    async def resolve(self, reference: str) -> int | None:
        """A user id from "123" or "@name"; None when no such user is known."""
        reference = reference.strip()
        async with self._db.read() as tx:
            if reference.lstrip("-").isdigit():
                profile = await users.get_user(tx, int(reference))
                return None if profile is None else profile.id
            return await admin.user_id_by_username(tx, reference.removeprefix("@"))

    async def card(self, user_id: int) -> UserCard | None:
        async with self._db.read() as tx:
            profile = await users.get_user(tx, user_id)
            if profile is None:
                return None
            return UserCard(
                profile=profile,
                balance=await ledger.get_balance(tx, user_id),
                entries=await ledger.recent_entries(tx, user_id, limit=CARD_ROWS),
                jobs=await admin.recent_jobs(tx, user_id, limit=CARD_ROWS),
                orders=await payments.settled_orders(tx, user_id, limit=CARD_ROWS),
            )

    async def adjust(
        self, *, admin_id: int, message_id: int, user_id: int, amount: int, reason: str
    ) -> Adjustment:
        """A signed correction of the user's available balance, once per admin message.

        Raises InsufficientFunds when it would take the balance below zero, InvalidAmount for 0.
        """
        if not reason.strip():
            raise ValueError("an adjustment needs a reason")
        now = self._clock.now()
        async with self._db.transaction() as tx:
            result = await ledger.post(
                tx,
                user_id=user_id,
                kind=EntryKind.ADJUSTMENT,
                amount=amount,
                key=adjust_key(admin_id, message_id),
                now=now,
                reason=reason,
                reference=f"admin:{admin_id}",
            )
            if not result.duplicate:
                await admin.audit(
                    tx,
                    admin_id=admin_id,
                    action="adjust",
                    target=str(user_id),
                    details={"amount": amount, "reason": reason, "entry": result.entry.id},
                    now=now,
                )
            balance = await ledger.get_balance(tx, user_id)
        log.info("admin.adjusted", target=user_id, amount=amount, duplicate=result.duplicate)
        return Adjustment(user_id, amount, balance.available, result.duplicate)

    async def set_banned(self, *, admin_id: int, user_id: int, banned: bool) -> bool:
        """Ban or unban; True when the flag changed. Raises UnknownUser."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if await users.get_user(tx, user_id) is None:
                raise UnknownUser(f"no user {user_id}")
            changed = await admin.set_banned(tx, user_id, banned)
            await admin.audit(
                tx,
                admin_id=admin_id,
                action="ban" if banned else "unban",
                target=str(user_id),
                details={"changed": changed},
                now=now,
            )
        log.info("admin.ban", target=user_id, banned=banned, changed=changed)
        return changed

    async def record(self, *, admin_id: int, action: str, target: str | None = None) -> None:
        """Audit an action that changes nothing else (a look at the statistics, a lookup)."""
        async with self._db.transaction() as tx:
            await admin.audit(
                tx,
                admin_id=admin_id,
                action=action,
                target=target,
                details={},
                now=self._clock.now(),
            )

    async def kie_credits(self) -> Decimal:
        return await self._kie.credits()


class LowBalanceWatch:
    """Checks the KIE balance every `interval` seconds; when it falls below `threshold` the
    admins are told, each in their language, once per crossing, and never more than once an
    hour (across instances: the last alert's time is read from the audit log). Only the leader
    runs it."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        kie: CreditSource,
        notifier: AdminNotifier,
        admin_ids: frozenset[int],
        threshold: Decimal,
        interval: float = 300.0,
    ) -> None:
        self._db = db
        self._clock = clock
        self._kie = kie
        self._notifier = notifier
        self._admin_ids = admin_ids
        self._threshold = threshold
        self._interval = interval
        self._below = False

    async def run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:
                log.warning("kie.balance_check_failed", exc_info=True)
            await asyncio.sleep(self._interval)

    async def check(self) -> bool:
        """One look at the balance; True when an alert went out."""
        credits = await self._kie.credits()
        if credits >= self._threshold:
            self._below = False
            return False
        if self._below or not self._admin_ids:
            return False
        now = self._clock.now()
        async with self._db.transaction() as tx:
            last = await admin.last_audit_at(tx, LOW_BALANCE_ACTION)
            if last is not None and now - last < ALERT_GAP:
                self._below = True
                return False
            await admin.audit(
                tx,
                admin_id=0,
                action=LOW_BALANCE_ACTION,
                target=None,
                details={"credits": str(credits), "threshold": str(self._threshold)},
                now=now,
            )
            admins: dict[int, str | None] = {}
            for admin_id in sorted(self._admin_ids):
                profile = await users.get_user(tx, admin_id)
                admins[admin_id] = profile.language if profile is not None else None
        self._below = True
        log.warning("kie.balance_low", credits=str(credits))
        await self._notifier.low_kie_balance(admins=admins, credits=credits)
        return True
