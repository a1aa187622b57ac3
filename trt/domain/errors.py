"""Business errors. Each carries a message key the bot translates for the user.

TrtError
 ├── MoneyError
 │    ├── InsufficientFunds        not enough available balance for a hold or debit
 │    ├── UnknownHold              capture/release of a hold that does not exist
 │    ├── HoldAlreadySettled       capture/release of a hold already captured or released
 │    └── InvalidAmount            zero or negative where a positive amount is needed
 ├── GenerationRefused
 │    ├── FreeQuotaExhausted       the daily free-model quota is used up
 │    ├── InvalidInputs            the values do not satisfy the model's fields
 │    ├── TooManyStarts            more generation starts in a minute than allowed
 │    └── UserBanned
 ├── UnknownUser
 └── StaleButtonError            a button or link that points at something gone
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any


class TrtError(Exception):
    message_key = "error-generic"


class MoneyError(TrtError):
    message_key = "error-money"


class InsufficientFunds(MoneyError):
    message_key = "error-insufficient-funds"

    def __init__(self, *, user_id: int, needed: int, available: int) -> None:
        super().__init__(f"user {user_id} needs {needed}, has {available}")
        self.user_id = user_id
        self.needed = needed
        self.available = available

    @property
    def missing(self) -> int:
        return self.needed - self.available


class UnknownHold(MoneyError):
    message_key = "error-unknown-hold"


class HoldAlreadySettled(MoneyError):
    message_key = "error-hold-settled"

    def __init__(self, key: str, status: str) -> None:
        super().__init__(f"hold {key} is already {status}")
        self.key = key
        self.status = status


class InvalidAmount(MoneyError):
    message_key = "error-invalid-amount"


class UnknownUser(TrtError):
    message_key = "error-unknown-user"


class StaleButtonError(TrtError):
    message_key = "stale-button"


class GenerationRefused(TrtError):
    message_key = "error-generation-refused"


class FreeQuotaExhausted(GenerationRefused):
    message_key = "error-free-quota"

    def __init__(self, *, limit: int, resets_at: datetime) -> None:
        super().__init__(f"free quota of {limit} used up until {resets_at.isoformat()}")
        self.limit = limit
        self.resets_at = resets_at


class InvalidInputs(GenerationRefused):
    message_key = "error-invalid-inputs"

    def __init__(self, problems: Sequence[Any]) -> None:
        super().__init__(f"{len(problems)} problem(s) with the inputs")
        self.problems = list(problems)


class TooManyStarts(GenerationRefused):
    message_key = "error-too-many-starts"

    def __init__(self, *, limit: int, retry_after: int) -> None:
        super().__init__(f"{limit} generations started within a minute; retry in {retry_after} s")
        self.limit = limit
        self.retry_after = retry_after


class UserBanned(GenerationRefused):
    message_key = "error-banned"
