"""Crediting a top-up, whatever paid for it: one ledger entry under the external event's key,
and the inviter's referral bonus with the invitee's first top-up ever.

Call it inside the transaction that also moves the order to `paid`, so a repeated event finds
the key taken and changes nothing.
"""

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.ledger import EntryKind, referral_bonus_key
from trt.domain.money import Kopecks
from trt.storage import ledger, payments, users

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ReferralReward:
    inviter_id: int
    amount: Kopecks
    language: str | None


@dataclass(frozen=True, slots=True)
class TopUpCredit:
    """What crediting did: `duplicate` when the key had been credited before."""

    duplicate: bool
    credited: Kopecks
    balance: int  # available after the credit
    reward: ReferralReward | None


async def credit_topup(
    tx: AsyncConnection,
    *,
    user_id: int,
    amount: int,
    key: str,
    reference: str | None,
    referral_bonus: Kopecks,
    now: datetime,
) -> TopUpCredit:
    result = await ledger.post(
        tx,
        user_id=user_id,
        kind=EntryKind.TOPUP,
        amount=amount,
        key=key,
        now=now,
        reference=reference,
    )
    reward = None
    if not result.duplicate:
        reward = await _reward_inviter(tx, invitee_id=user_id, bonus=referral_bonus, now=now)
    balance = await ledger.get_balance(tx, user_id)
    return TopUpCredit(
        duplicate=result.duplicate,
        credited=Kopecks(result.entry.available_delta),
        balance=balance.available,
        reward=reward,
    )


async def _reward_inviter(
    tx: AsyncConnection, *, invitee_id: int, bonus: Kopecks, now: datetime
) -> ReferralReward | None:
    """The inviter's bonus for the invitee's first top-up; the key pays it once ever."""
    inviter_id = await payments.referrer_of(tx, invitee_id)
    if inviter_id is None or bonus <= 0:
        return None
    result = await ledger.post(
        tx,
        user_id=inviter_id,
        kind=EntryKind.BONUS,
        amount=bonus,
        key=referral_bonus_key(invitee_id),
        now=now,
        reference=f"referral:{invitee_id}",
    )
    if result.duplicate:
        return None
    inviter = await users.get_user(tx, inviter_id)
    log.info("referral.rewarded", inviter_id=inviter_id, amount=bonus)
    return ReferralReward(
        inviter_id=inviter_id, amount=bonus, language=inviter.language if inviter else None
    )
