"""Who the user is: their profile, language and balance, kept fresh on every update."""

from dataclasses import dataclass

from trt.services.ports import Clock
from trt.storage import ledger, users
from trt.storage.database import Database
from trt.storage.ledger import Balance, LedgerEntry


@dataclass(frozen=True, slots=True)
class Account:
    user_id: int
    language: str
    is_banned: bool


class Accounts:
    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def touch(
        self,
        *,
        user_id: int,
        username: str | None,
        first_name: str | None,
        default_language: str,
    ) -> Account:
        """Create the user on first contact (with an empty balance) and return their account."""
        async with self._db.transaction() as tx:
            await users.ensure_user(
                tx,
                user_id=user_id,
                now=self._clock.now(),
                username=username,
                first_name=first_name,
                language=default_language,
            )
            profile = await users.get_user(tx, user_id)
        assert profile is not None
        return Account(
            user_id=user_id,
            language=profile.language or default_language,
            is_banned=profile.is_banned,
        )

    async def set_language(self, *, user_id: int, language: str) -> None:
        async with self._db.transaction() as tx:
            await users.set_language(tx, user_id, language)

    async def balance(self, *, user_id: int) -> Balance:
        async with self._db.read() as tx:
            return await ledger.get_balance(tx, user_id)

    async def statement(self, *, user_id: int, limit: int = 5) -> tuple[Balance, list[LedgerEntry]]:
        """The balance and the latest ledger entries, read together."""
        async with self._db.read() as tx:
            return (
                await ledger.get_balance(tx, user_id),
                await ledger.recent_entries(tx, user_id, limit=limit),
            )
