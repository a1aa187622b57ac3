"""Referral links: `/start ref_<inviter>` links a brand-new user to the inviter, once.

Refused: oneself, an unknown inviter, a user the bot has seen before (the link only counts as
the user's very first contact), a user who already has an inviter, and anything that would
close a cycle. The inviter's bonus is paid by `Payments` with the invitee's first top-up.
"""

from dataclasses import dataclass
from enum import StrEnum

import structlog

from trt.domain.money import Kopecks
from trt.services.ports import Clock
from trt.storage import payments
from trt.storage.database import Database

log = structlog.get_logger(__name__)


class LinkOutcome(StrEnum):
    LINKED = "linked"
    SELF = "self"
    UNKNOWN_INVITER = "unknown-inviter"
    NOT_NEW = "not-new"
    CYCLE = "cycle"


@dataclass(frozen=True, slots=True)
class ReferralStats:
    invited: int
    earned: Kopecks
    bonus: Kopecks  # what each invitee's first top-up brings


class Referrals:
    def __init__(self, *, db: Database, clock: Clock, bonus: Kopecks) -> None:
        self._db = db
        self._clock = clock
        self._bonus = bonus

    async def link(self, *, user_id: int, inviter_id: int) -> LinkOutcome:
        """Record who invited a new user; every refusal leaves everything as it was."""
        if inviter_id == user_id:
            return LinkOutcome.SELF
        async with self._db.transaction() as tx:
            if not await payments.user_exists(tx, inviter_id):
                outcome = LinkOutcome.UNKNOWN_INVITER
            elif not await payments.first_contact(tx, user_id):
                outcome = LinkOutcome.NOT_NEW
            elif user_id in await payments.referral_chain(tx, inviter_id):
                outcome = LinkOutcome.CYCLE
            elif await payments.set_referrer(tx, user_id=user_id, referrer_id=inviter_id):
                outcome = LinkOutcome.LINKED
            else:
                outcome = LinkOutcome.NOT_NEW
        log.info("referral.link", inviter_id=inviter_id, outcome=outcome.value)
        return outcome

    async def stats(self, *, user_id: int) -> ReferralStats:
        async with self._db.read() as tx:
            return ReferralStats(
                invited=await payments.invited_count(tx, user_id),
                earned=await payments.referral_earnings(tx, user_id),
                bonus=self._bonus,
            )
