"""The money ledger: append-only entries, one balance row per user, holds for running jobs.

Every operation writes its entry FIRST with `ON CONFLICT (idempotency_key) DO NOTHING`:
if the key is already taken the operation is a repeat and returns the first result without
touching the balance. Otherwise the balance row is changed by a guarded UPDATE that can never
take `available` or `held` below zero (the CHECK constraints agree). Any refusal raises, so the
caller's transaction rolls the entry back with everything else.

On PostgreSQL two concurrent operations with one key serialise on the unique index: the second
waits for the first to commit, then finds the key taken. Two operations on one balance
serialise on its row lock, and the guard is re-evaluated on the committed row, so concurrent
holds never overspend.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.errors import (
    HoldAlreadySettled,
    InsufficientFunds,
    InvalidAmount,
    UnknownHold,
    UnknownUser,
)
from trt.domain.ledger import MOVEMENTS, EntryKind, HoldStatus
from trt.storage.tables import balances, holds, ledger_entries
from trt.storage.upsert import insert_ignoring_conflict


class IdempotencyConflict(Exception):
    """A key was reused for a different movement: a programming error, never a user error."""


@dataclass(frozen=True, slots=True)
class Balance:
    user_id: int
    available: int
    held: int


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    user_id: int
    kind: EntryKind
    available_delta: int
    held_delta: int
    idempotency_key: str
    reference: str | None
    reason: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LedgerResult:
    entry: LedgerEntry
    duplicate: bool  # True when the key was already used: nothing changed this time


async def post(
    tx: AsyncConnection,
    *,
    user_id: int,
    kind: EntryKind,
    amount: int,
    key: str,
    now: datetime,
    reference: str | None = None,
    reason: str | None = None,
) -> LedgerResult:
    """Move `amount` kopecks as `kind` says; ADJUSTMENT takes a signed amount."""
    available_delta, held_delta = _deltas(kind, amount)
    values = {
        "user_id": user_id,
        "kind": kind.value,
        "available_delta": available_delta,
        "held_delta": held_delta,
        "idempotency_key": key,
        "reference": reference,
        "reason": reason,
        "created_at": now,
    }
    stmt = insert_ignoring_conflict(tx, ledger_entries, conflict_on=["idempotency_key"])
    try:
        inserted = (await tx.execute(stmt.returning(ledger_entries.c.id), values)).scalar()
    except sa.exc.IntegrityError as exc:  # the only other constraint is the user foreign key
        raise UnknownUser(f"no user {user_id}") from exc
    if inserted is None:
        existing = await _entry_by_key(tx, key)
        if existing is None:  # pragma: no cover - the conflicting row must exist
            raise IdempotencyConflict(key)
        _check_same_movement(existing, user_id, kind, available_delta, held_delta)
        return LedgerResult(existing, duplicate=True)
    await _apply_to_balance(tx, user_id, available_delta, held_delta, now)
    entry = LedgerEntry(
        id=inserted,
        user_id=user_id,
        kind=kind,
        available_delta=available_delta,
        held_delta=held_delta,
        idempotency_key=key,
        reference=reference,
        reason=reason,
        created_at=now,
    )
    return LedgerResult(entry, duplicate=False)


async def hold(
    tx: AsyncConnection, *, user_id: int, amount: int, key: str, now: datetime, reference: str
) -> LedgerResult:
    """Reserve `amount` for a job; the hold is then captured or released exactly once."""
    result = await post(
        tx,
        user_id=user_id,
        kind=EntryKind.HOLD,
        amount=amount,
        key=key,
        now=now,
        reference=reference,
    )
    if not result.duplicate:
        await tx.execute(
            holds.insert(),
            {
                "user_id": user_id,
                "hold_key": key,
                "amount": amount,
                "status": HoldStatus.HELD.value,
                "created_at": now,
            },
        )
    return result


async def capture(tx: AsyncConnection, *, hold_key: str, key: str, now: datetime) -> LedgerResult:
    """Turn a hold into spent money."""
    return await _settle(
        tx,
        hold_key=hold_key,
        key=key,
        now=now,
        kind=EntryKind.CAPTURE,
        new_status=HoldStatus.CAPTURED,
    )


async def release(tx: AsyncConnection, *, hold_key: str, key: str, now: datetime) -> LedgerResult:
    """Give a hold back to the available balance."""
    return await _settle(
        tx,
        hold_key=hold_key,
        key=key,
        now=now,
        kind=EntryKind.RELEASE,
        new_status=HoldStatus.RELEASED,
    )


async def get_balance(tx: AsyncConnection, user_id: int) -> Balance:
    row = (
        await tx.execute(
            sa.select(balances.c.available, balances.c.held).where(balances.c.user_id == user_id)
        )
    ).first()
    if row is None:
        raise UnknownUser(f"no balance for user {user_id}")
    return Balance(user_id=user_id, available=row.available, held=row.held)


async def hold_status(tx: AsyncConnection, hold_key: str) -> HoldStatus | None:
    status = (
        await tx.execute(sa.select(holds.c.status).where(holds.c.hold_key == hold_key))
    ).scalar()
    return None if status is None else HoldStatus(status)


async def recent_entries(tx: AsyncConnection, user_id: int, *, limit: int) -> list[LedgerEntry]:
    rows = (
        await tx.execute(
            sa.select(ledger_entries)
            .where(ledger_entries.c.user_id == user_id)
            .order_by(ledger_entries.c.id.desc())
            .limit(limit)
        )
    ).mappings()
    return [_to_entry(row) for row in rows]


async def ledger_sums(tx: AsyncConnection, user_id: int) -> Balance:
    """The balance as the sum of the ledger: must always equal `get_balance`."""
    row = (
        await tx.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(ledger_entries.c.available_delta), 0),
                sa.func.coalesce(sa.func.sum(ledger_entries.c.held_delta), 0),
            ).where(ledger_entries.c.user_id == user_id)
        )
    ).one()
    return Balance(user_id=user_id, available=int(row[0]), held=int(row[1]))


async def _settle(
    tx: AsyncConnection,
    *,
    hold_key: str,
    key: str,
    now: datetime,
    kind: EntryKind,
    new_status: HoldStatus,
) -> LedgerResult:
    claimed = (
        await tx.execute(
            sa.update(holds)
            .where(holds.c.hold_key == hold_key, holds.c.status == HoldStatus.HELD.value)
            .values(status=new_status.value, settled_at=now)
            .returning(holds.c.user_id, holds.c.amount)
        )
    ).first()
    if claimed is None:
        existing = await _entry_by_key(tx, key)
        if existing is not None:
            return LedgerResult(existing, duplicate=True)
        status = await hold_status(tx, hold_key)
        if status is None:
            raise UnknownHold(hold_key)
        raise HoldAlreadySettled(hold_key, status.value)
    return await post(
        tx,
        user_id=claimed.user_id,
        kind=kind,
        amount=claimed.amount,
        key=key,
        now=now,
        reference=hold_key,
    )


def _deltas(kind: EntryKind, amount: int) -> tuple[int, int]:
    if kind is EntryKind.ADJUSTMENT:
        if amount == 0:
            raise InvalidAmount("an adjustment of zero")
        return amount, 0
    if amount <= 0:
        raise InvalidAmount(f"{kind.value} of {amount}")
    movement = MOVEMENTS[kind]
    return movement.available_sign * amount, movement.held_sign * amount


async def _apply_to_balance(
    tx: AsyncConnection, user_id: int, available_delta: int, held_delta: int, now: datetime
) -> None:
    updated = (
        await tx.execute(
            sa.update(balances)
            .where(
                balances.c.user_id == user_id,
                balances.c.available + available_delta >= 0,
                balances.c.held + held_delta >= 0,
            )
            .values(
                available=balances.c.available + available_delta,
                held=balances.c.held + held_delta,
                updated_at=now,
            )
            .returning(balances.c.user_id)
        )
    ).first()
    if updated is None:
        current = await get_balance(tx, user_id)
        raise InsufficientFunds(
            user_id=user_id, needed=-available_delta, available=current.available
        )


async def existing_keys(tx: AsyncConnection, keys: Collection[str]) -> set[str]:
    """Which of `keys` are already taken by an entry (one query)."""
    if not keys:
        return set()
    query = sa.select(ledger_entries.c.idempotency_key).where(
        ledger_entries.c.idempotency_key.in_(list(keys))
    )
    return set((await tx.execute(query)).scalars())


async def _entry_by_key(tx: AsyncConnection, key: str) -> LedgerEntry | None:
    row = (
        (await tx.execute(sa.select(ledger_entries).where(ledger_entries.c.idempotency_key == key)))
        .mappings()
        .first()
    )
    return None if row is None else _to_entry(row)


def _check_same_movement(
    entry: LedgerEntry, user_id: int, kind: EntryKind, available_delta: int, held_delta: int
) -> None:
    if (entry.user_id, entry.kind, entry.available_delta, entry.held_delta) != (
        user_id,
        kind,
        available_delta,
        held_delta,
    ):
        raise IdempotencyConflict(entry.idempotency_key)


def _to_entry(row: sa.RowMapping) -> LedgerEntry:
    return LedgerEntry(
        id=row["id"],
        user_id=row["user_id"],
        kind=EntryKind(row["kind"]),
        available_delta=row["available_delta"],
        held_delta=row["held_delta"],
        idempotency_key=row["idempotency_key"],
        reference=row["reference"],
        reason=row["reason"],
        created_at=row["created_at"],
    )


async def lock_balance(tx: AsyncConnection, user_id: int) -> Balance:
    """Read the balance and hold its row lock to the end of the transaction.

    On PostgreSQL this serialises a user's concurrent use cases (e.g. two free-quota checks);
    SQLite write transactions are already serialised by BEGIN IMMEDIATE.
    """
    query = sa.select(balances.c.available, balances.c.held).where(balances.c.user_id == user_id)
    if tx.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await tx.execute(query)).first()
    if row is None:
        raise UnknownUser(f"no balance for user {user_id}")
    return Balance(user_id=user_id, available=row.available, held=row.held)
