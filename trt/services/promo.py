"""Promo codes: admins create them, users redeem each code once, within its limits.

A redemption is one transaction: the ledger credit under `promo:<code>:<user>` (a second use by
the same user finds the key taken) and a guarded UPDATE of the code's `uses` counter (refused
at `max_uses` or after expiry). When the counter refuses, the credit rolls back with it.
"""

from dataclasses import dataclass
from datetime import timedelta

import structlog

from trt.domain.ledger import EntryKind, promo_key
from trt.domain.payments import (
    PromoCode,
    PromoRefusal,
    PromoSpec,
    normalize_code,
    promo_refusal,
)
from trt.services.metrics import Metrics
from trt.services.ports import Clock
from trt.storage import ledger, promo
from trt.storage.database import Database

log = structlog.get_logger(__name__)


class _Refused(Exception):
    """Rolls a redemption's transaction back."""

    def __init__(self, reason: PromoRefusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Redemption:
    refusal: PromoRefusal | None  # None: credited
    code: str = ""
    amount: int = 0
    balance: int = 0


class Promos:
    def __init__(self, *, db: Database, clock: Clock, metrics: Metrics) -> None:
        self._db = db
        self._clock = clock
        self._metrics = metrics

    async def create(self, *, spec: PromoSpec, admin_id: int) -> PromoCode | None:
        """A new code; None when one with that name exists already."""
        now = self._clock.now()
        expires = now + timedelta(days=spec.days_valid) if spec.days_valid else None
        async with self._db.transaction() as tx:
            created = await promo.create(
                tx,
                code=spec.code,
                amount=spec.amount,
                max_uses=spec.max_uses,
                expires_at=expires,
                created_by=admin_id,
                now=now,
            )
            code = await promo.get(tx, spec.code) if created else None
        log.info("promo.created", code=spec.code, created=created, admin_id=admin_id)
        return code

    async def redeem(self, *, user_id: int, raw_code: str) -> Redemption:
        """Credit the code's amount once per user, never beyond its uses or after expiry."""
        code = normalize_code(raw_code)
        if code is None:
            return Redemption(PromoRefusal.INVALID)
        try:
            redemption = await self._redeem(user_id=user_id, code=code)
        except _Refused as refused:
            redemption = Redemption(refused.reason, code=code)
        log.info("promo.redeem", code=code, refusal=redemption.refusal)
        if redemption.refusal is None:
            self._metrics.ledger_kopecks.labels(EntryKind.BONUS.value).inc(redemption.amount)
        return redemption

    async def _redeem(self, *, user_id: int, code: str) -> Redemption:
        now = self._clock.now()
        async with self._db.transaction() as tx:
            found = await promo.get(tx, code)
            if found is None:
                raise _Refused(PromoRefusal.UNKNOWN)
            result = await ledger.post(
                tx,
                user_id=user_id,
                kind=EntryKind.BONUS,
                amount=found.amount,
                key=promo_key(code, user_id),
                now=now,
                reference=f"promo:{code}",
            )
            if result.duplicate:  # said first: it is the most useful answer to this user
                raise _Refused(PromoRefusal.ALREADY_USED)
            refusal = promo_refusal(found, now=now)
            if refusal is not None:
                raise _Refused(refusal)
            if not await promo.take_use(tx, code=code, now=now):
                raise _Refused(PromoRefusal.USED_UP)
            balance = await ledger.get_balance(tx, user_id)
        return Redemption(None, code=code, amount=found.amount, balance=balance.available)
