"""Manual bank transfers: an order for an amount, the user's receipt, and an admin's decision.

Nothing the user sends credits money: a receipt only puts the order in the admin queue. An
approval moves the order pending -> paid by compare-and-set and credits it under
`manual:<order id>` in the SAME transaction, with the admin-audit row; a rejection moves it
pending -> rejected. Two admins pressing at once (or one pressing twice) therefore have one
effect, and the loser is told who decided. Only ids in ADMIN_IDS may decide: the check is here,
not only in the bot's filters, so a forged button press changes nothing.
"""

import secrets
from dataclasses import dataclass
from enum import StrEnum

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.errors import InvalidAmount, StaleButtonError, UserBanned
from trt.domain.ledger import EntryKind, manual_topup_key
from trt.domain.manual_topups import RUB, ManualOffer, ManualOrder, ReceiptKind, manual_payload
from trt.domain.money import Kopecks
from trt.domain.payments import PaymentMethod, PaymentOrder
from trt.services.metrics import Metrics
from trt.services.ports import Clock
from trt.services.topups import ReferralReward, credit_topup
from trt.storage import admin, manual_topups, payments, users
from trt.storage.database import Database

log = structlog.get_logger(__name__)

QUEUE_LIMIT = 20  # orders listed at once in the admin queue
APPROVE_ACTION = "manual-approve"
REJECT_ACTION = "manual-reject"
NONCE_BYTES = 8


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    first_name: str | None
    username: str | None
    language: str | None


@dataclass(frozen=True, slots=True)
class Review:
    """A manual order and who placed it, as an admin sees it."""

    manual: ManualOrder
    customer: Person


class ReceiptStatus(StrEnum):
    ACCEPTED = "accepted"  # in the admin queue now
    ALREADY_SENT = "already-sent"  # the order already has its receipt and waits for an admin
    CLOSED = "closed"  # expired, approved or rejected: a new order is needed
    UNKNOWN = "unknown"  # no such order of this user


@dataclass(frozen=True, slots=True)
class ReceiptOutcome:
    status: ReceiptStatus
    review: Review | None = None
    reviewers: tuple[Person, ...] = ()  # the admins to show the receipt to


class DecisionStatus(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    ALREADY_DECIDED = "already-decided"
    NOT_FOUND = "not-found"  # unknown, not a manual order, or not waiting for a decision
    FORBIDDEN = "forbidden"  # the presser is not an admin


@dataclass(frozen=True, slots=True)
class Decision:
    status: DecisionStatus
    review: Review | None = None  # the order as it stands after this call
    decider: Person | None = None  # who decided it (for ALREADY_DECIDED)
    balance: int = 0  # the user's available balance after an approval
    reward: ReferralReward | None = None


class ManualTopUps:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        offer: ManualOffer,
        admin_ids: frozenset[int],
        referral_bonus: Kopecks,
        metrics: Metrics,
    ) -> None:
        self._db = db
        self._clock = clock
        self.offer = offer
        self._admin_ids = admin_ids
        self._bonus = referral_bonus
        self._metrics = metrics

    async def order(self, *, user_id: int, amount: int) -> PaymentOrder:
        """A pending manual order. Raises StaleButtonError when manual top-ups are off,
        InvalidAmount outside the configured bounds, UserBanned for a banned user."""
        if not self.offer.enabled:
            raise StaleButtonError("manual top-ups are off")
        if not self.offer.allows(amount):
            raise InvalidAmount(f"{amount} kopecks is outside the manual top-up bounds")
        async with self._db.transaction() as tx:
            profile = await users.get_user(tx, user_id)
            if profile is not None and profile.is_banned:
                raise UserBanned(f"user {user_id} is banned")
            order = await payments.create_order(
                tx,
                user_id=user_id,
                method=PaymentMethod.MANUAL,
                currency=RUB,
                amount=amount,
                credit=amount,
                payload=manual_payload(user_id, secrets.token_hex(NONCE_BYTES)),
                now=self._clock.now(),
            )
        log.info("manual.order_created", order_id=order.id, amount=amount)
        return order

    async def attach_receipt(
        self, *, user_id: int, order_id: int, file_id: str, kind: ReceiptKind
    ) -> ReceiptOutcome:
        """Store the receipt of the user's pending order; it joins the admin queue."""
        async with self._db.transaction() as tx:
            attached = await manual_topups.attach_receipt(
                tx,
                order_id=order_id,
                user_id=user_id,
                file_id=file_id,
                kind=kind,
                now=self._clock.now(),
            )
            manual = await manual_topups.get(tx, order_id)
            if manual is None or manual.order.user_id != user_id:
                return ReceiptOutcome(ReceiptStatus.UNKNOWN)
            review = await _review(tx, manual)
            if not attached:
                status = (
                    ReceiptStatus.ALREADY_SENT if manual.awaiting_review else ReceiptStatus.CLOSED
                )
                return ReceiptOutcome(status, review)
            reviewers = tuple([await _person(tx, admin_id) for admin_id in sorted(self._admin_ids)])
        log.info("manual.receipt_received", order_id=order_id, kind=kind.value)
        if not reviewers:
            log.warning("manual.no_admins", order_id=order_id)  # ADMIN_IDS is empty
        return ReceiptOutcome(ReceiptStatus.ACCEPTED, review, reviewers)

    async def queue(self, *, limit: int = QUEUE_LIMIT) -> tuple[list[Review], int]:
        """The oldest orders waiting for an admin (at most `limit`) and how many wait in all."""
        async with self._db.read() as tx:
            waiting = await manual_topups.queue(tx, limit=limit)
            total = await manual_topups.queue_size(tx)
            return [await _review(tx, manual) for manual in waiting], total

    async def review(self, *, order_id: int) -> Review | None:
        async with self._db.read() as tx:
            manual = await manual_topups.get(tx, order_id)
            return None if manual is None else await _review(tx, manual)

    async def approve(self, *, admin_id: int, order_id: int) -> Decision:
        """Credit the order once; whoever presses later learns who approved it."""
        if admin_id not in self._admin_ids:
            log.warning("manual.decision_forbidden", user_id=admin_id, order_id=order_id)
            return Decision(DecisionStatus.FORBIDDEN)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if not await manual_topups.mark_approved(
                tx, order_id=order_id, admin_id=admin_id, now=now
            ):
                return await _settled(tx, order_id)
            manual = await manual_topups.get(tx, order_id)
            assert manual is not None
            order = manual.order
            done = await credit_topup(
                tx,
                user_id=order.user_id,
                amount=order.credit,
                key=manual_topup_key(order.id),
                reference=f"order:{order.id}",
                referral_bonus=self._bonus,
                now=now,
            )
            await admin.audit(
                tx,
                admin_id=admin_id,
                action=APPROVE_ACTION,
                target=str(order.id),
                details={"user_id": order.user_id, "amount": order.credit},
                now=now,
            )
            review = await _review(tx, manual)
        if done.duplicate:  # the key was taken while the order was still pending: a bug
            log.error("manual.credit_duplicate", order_id=order.id)
        else:
            self._metrics.ledger_kopecks.labels(EntryKind.TOPUP.value).inc(order.credit)
        if done.reward is not None:
            self._metrics.ledger_kopecks.labels(EntryKind.BONUS.value).inc(done.reward.amount)
        log.info("manual.approved", order_id=order.id, admin_id=admin_id, amount=order.credit)
        return Decision(DecisionStatus.APPROVED, review, balance=done.balance, reward=done.reward)

    async def reject(self, *, admin_id: int, order_id: int) -> Decision:
        """Close the order without money; whoever presses later learns who decided."""
        if admin_id not in self._admin_ids:
            log.warning("manual.decision_forbidden", user_id=admin_id, order_id=order_id)
            return Decision(DecisionStatus.FORBIDDEN)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if not await manual_topups.mark_rejected(
                tx, order_id=order_id, admin_id=admin_id, now=now
            ):
                return await _settled(tx, order_id)
            manual = await manual_topups.get(tx, order_id)
            assert manual is not None
            await admin.audit(
                tx,
                admin_id=admin_id,
                action=REJECT_ACTION,
                target=str(order_id),
                details={"user_id": manual.order.user_id, "amount": manual.order.credit},
                now=now,
            )
            review = await _review(tx, manual)
        log.info("manual.rejected", order_id=order_id, admin_id=admin_id)
        return Decision(DecisionStatus.REJECTED, review)


async def _settled(tx: AsyncConnection, order_id: int) -> Decision:
    """Why a decision did not apply: decided before (by whom), or nothing to decide."""
    manual = await manual_topups.get(tx, order_id)
    if manual is None or manual.decided_by is None:
        review = None if manual is None else await _review(tx, manual)
        return Decision(DecisionStatus.NOT_FOUND, review)
    return Decision(
        DecisionStatus.ALREADY_DECIDED,
        await _review(tx, manual),
        decider=await _person(tx, manual.decided_by),
    )


async def _review(tx: AsyncConnection, manual: ManualOrder) -> Review:
    return Review(manual, await _person(tx, manual.order.user_id))


async def _person(tx: AsyncConnection, user_id: int) -> Person:
    profile = await users.get_user(tx, user_id)
    if profile is None:
        return Person(id=user_id, first_name=None, username=None, language=None)
    return Person(
        id=user_id,
        first_name=profile.first_name,
        username=profile.username,
        language=profile.language,
    )
