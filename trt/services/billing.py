"""Money use cases, one transaction each, over the ledger repository.

Use cases that must move money together with other rows (a job and its hold) call the
`trt.storage.ledger` functions inside their own transaction instead.
"""

from trt.domain.ledger import EntryKind
from trt.services.ports import Clock
from trt.storage import ledger, users
from trt.storage.database import Database
from trt.storage.ledger import Balance, LedgerEntry, LedgerResult

_CREDIT_KINDS = frozenset({EntryKind.TOPUP, EntryKind.BONUS, EntryKind.REFUND})


class Billing:
    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def open_account(self, *, user_id: int) -> None:
        """Make sure the user and their (empty) balance exist."""
        async with self._db.transaction() as tx:
            await users.ensure_user(tx, user_id=user_id, now=self._clock.now())

    async def credit(
        self, *, user_id: int, amount: int, kind: EntryKind, key: str, reason: str | None = None
    ) -> LedgerResult:
        """Money in (top-up, bonus, refund); a repeated key changes nothing."""
        if kind not in _CREDIT_KINDS:
            raise ValueError(f"{kind} is not a credit")
        return await self._post(user_id=user_id, kind=kind, amount=amount, key=key, reason=reason)

    async def debit(self, *, user_id: int, amount: int, key: str, reason: str) -> LedgerResult:
        """Money out of the available balance; refused rather than going negative."""
        return await self._post(
            user_id=user_id, kind=EntryKind.DEBIT, amount=amount, key=key, reason=reason
        )

    async def adjust(self, *, user_id: int, amount: int, key: str, reason: str) -> LedgerResult:
        """An admin's signed correction, with the reason kept in the ledger."""
        if not reason.strip():
            raise ValueError("an adjustment needs a reason")
        return await self._post(
            user_id=user_id, kind=EntryKind.ADJUSTMENT, amount=amount, key=key, reason=reason
        )

    async def hold(self, *, user_id: int, amount: int, key: str, reference: str) -> LedgerResult:
        async with self._db.transaction() as tx:
            return await ledger.hold(
                tx,
                user_id=user_id,
                amount=amount,
                key=key,
                now=self._clock.now(),
                reference=reference,
            )

    async def capture(self, *, hold_key: str, key: str) -> LedgerResult:
        async with self._db.transaction() as tx:
            return await ledger.capture(tx, hold_key=hold_key, key=key, now=self._clock.now())

    async def release(self, *, hold_key: str, key: str) -> LedgerResult:
        async with self._db.transaction() as tx:
            return await ledger.release(tx, hold_key=hold_key, key=key, now=self._clock.now())

    async def balance(self, *, user_id: int) -> Balance:
        async with self._db.read() as tx:
            return await ledger.get_balance(tx, user_id)

    async def recent_entries(self, *, user_id: int, limit: int = 10) -> list[LedgerEntry]:
        async with self._db.read() as tx:
            return await ledger.recent_entries(tx, user_id, limit=limit)

    async def _post(
        self, *, user_id: int, kind: EntryKind, amount: int, key: str, reason: str | None
    ) -> LedgerResult:
        async with self._db.transaction() as tx:
            return await ledger.post(
                tx,
                user_id=user_id,
                kind=kind,
                amount=amount,
                key=key,
                now=self._clock.now(),
                reason=reason,
            )
