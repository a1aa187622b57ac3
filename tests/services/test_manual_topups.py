"""Manual bank transfers, the use cases on both engines: a receipt only queues the order, one
approval credits it once (whoever presses, however often, however concurrently), a rejection
credits nothing, non-admins change nothing, and every decision is audited."""

import asyncio
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tests.conftest import ManualClock
from trt.domain.errors import InvalidAmount, StaleButtonError, UserBanned
from trt.domain.manual_topups import ManualOffer, ReceiptKind
from trt.domain.money import Kopecks
from trt.domain.payments import OrderStatus, PaymentOrder
from trt.services.accounts import Accounts
from trt.services.manual_topups import (
    DecisionStatus,
    ManualTopUps,
    ReceiptStatus,
)
from trt.services.metrics import Metrics
from trt.services.referrals import LinkOutcome, Referrals
from trt.storage import admin, ledger
from trt.storage.database import Database
from trt.storage.tables import ledger_entries, payment_orders, users

CUSTOMER, OTHER, INVITER = 4001, 4002, 4003
ADMIN, SECOND_ADMIN = 4900, 4901
BONUS = Kopecks(5_000)
OFFER = ManualOffer(
    details="Card 2200 0000 0000 0000, T-Bank",
    min_amount=Kopecks(10_000),
    max_amount=Kopecks(5_000_000),
)


@dataclass
class Manual:
    db: Database
    clock: ManualClock
    service: ManualTopUps
    accounts: Accounts

    async def user(self, user_id: int, *, username: str | None = None) -> None:
        await self.accounts.touch(
            user_id=user_id, username=username, first_name=f"U{user_id}", default_language="en"
        )

    async def with_receipt(self, user_id: int = CUSTOMER, amount: int = 150_000) -> PaymentOrder:
        order = await self.service.order(user_id=user_id, amount=amount)
        outcome = await self.service.attach_receipt(
            user_id=user_id, order_id=order.id, file_id=f"photo-{order.id}", kind=ReceiptKind.PHOTO
        )
        assert outcome.status is ReceiptStatus.ACCEPTED
        return order

    async def available(self, user_id: int) -> int:
        async with self.db.read() as tx:
            return (await ledger.get_balance(tx, user_id)).available

    async def keys(self) -> list[str]:
        query = sa.select(ledger_entries.c.idempotency_key).order_by(ledger_entries.c.id)
        async with self.db.read() as tx:
            return list((await tx.execute(query)).scalars())

    async def row(self, order_id: int) -> sa.RowMapping:
        query = sa.select(payment_orders).where(payment_orders.c.id == order_id)
        async with self.db.read() as tx:
            return (await tx.execute(query)).mappings().one()

    async def audit(self) -> list[tuple[int, str, str | None]]:
        async with self.db.read() as tx:
            records = await admin.audit_records(tx)
        return [(r.admin_id, r.action, r.target) for r in reversed(records)]


def build(db: Database, clock: ManualClock, offer: ManualOffer = OFFER) -> ManualTopUps:
    return ManualTopUps(
        db=db,
        clock=clock,
        offer=offer,
        admin_ids=frozenset({ADMIN, SECOND_ADMIN}),
        referral_bonus=BONUS,
        metrics=Metrics(),
    )


@pytest.fixture
async def manual(db: Database, clock: ManualClock) -> Manual:
    result = Manual(
        db=db, clock=clock, service=build(db, clock), accounts=Accounts(db=db, clock=clock)
    )
    for user_id in (CUSTOMER, OTHER):
        await result.user(user_id)
    await result.user(ADMIN, username="boss")
    await result.user(SECOND_ADMIN)
    return result


async def test_a_receipt_queues_the_order_and_one_approval_credits_it_once(manual: Manual) -> None:
    order = await manual.service.order(user_id=CUSTOMER, amount=150_000)
    assert (order.currency, order.amount, order.credit) == ("RUB", 150_000, 150_000)
    assert order.payload.startswith(f"manual:{CUSTOMER}:")
    assert await manual.service.queue() == ([], 0)

    outcome = await manual.service.attach_receipt(
        user_id=CUSTOMER, order_id=order.id, file_id="photo-1", kind=ReceiptKind.PHOTO
    )
    assert outcome.status is ReceiptStatus.ACCEPTED
    assert {p.id for p in outcome.reviewers} == {ADMIN, SECOND_ADMIN}
    reviews, total = await manual.service.queue()
    assert total == 1
    assert [(r.manual.id, r.manual.receipt_file_id, r.customer.id) for r in reviews] == [
        (order.id, "photo-1", CUSTOMER)
    ]
    assert await manual.available(CUSTOMER) == 0

    manual.clock.advance(minutes=5)
    decision = await manual.service.approve(admin_id=ADMIN, order_id=order.id)
    assert decision.status is DecisionStatus.APPROVED
    assert decision.balance == 150_000
    assert decision.review is not None
    assert decision.review.manual.order.status is OrderStatus.PAID

    again = await manual.service.approve(admin_id=ADMIN, order_id=order.id)
    late = await manual.service.approve(admin_id=SECOND_ADMIN, order_id=order.id)
    reject = await manual.service.reject(admin_id=SECOND_ADMIN, order_id=order.id)
    for other in (again, late, reject):
        assert other.status is DecisionStatus.ALREADY_DECIDED
        assert other.decider is not None
        assert (other.decider.id, other.decider.username) == (ADMIN, "boss")

    assert await manual.available(CUSTOMER) == 150_000
    assert await manual.keys() == [f"manual:{order.id}"]
    row = await manual.row(order.id)
    assert (row["status"], row["decided_by"], row["receipt_kind"]) == ("paid", ADMIN, "photo")
    assert row["paid_at"] == row["decided_at"] == manual.clock.now()
    assert await manual.audit() == [(ADMIN, "manual-approve", str(order.id))]
    assert await manual.service.queue() == ([], 0)


async def test_a_rejection_credits_nothing_and_cannot_be_approved_later(manual: Manual) -> None:
    order = await manual.with_receipt()
    decision = await manual.service.reject(admin_id=SECOND_ADMIN, order_id=order.id)
    assert decision.status is DecisionStatus.REJECTED
    assert decision.review is not None
    assert decision.review.customer.language == "en"

    later = await manual.service.approve(admin_id=ADMIN, order_id=order.id)
    assert later.status is DecisionStatus.ALREADY_DECIDED
    assert later.review is not None
    assert later.review.manual.order.status is OrderStatus.REJECTED
    assert later.decider is not None
    assert later.decider.id == SECOND_ADMIN

    assert await manual.available(CUSTOMER) == 0
    assert await manual.keys() == []
    assert (await manual.row(order.id))["status"] == "rejected"
    assert await manual.audit() == [(SECOND_ADMIN, "manual-reject", str(order.id))]


async def test_someone_who_is_not_an_admin_changes_nothing(manual: Manual) -> None:
    order = await manual.with_receipt()
    for user_id in (CUSTOMER, OTHER):
        assert (
            await manual.service.approve(admin_id=user_id, order_id=order.id)
        ).status is DecisionStatus.FORBIDDEN
        assert (
            await manual.service.reject(admin_id=user_id, order_id=order.id)
        ).status is DecisionStatus.FORBIDDEN
    row = await manual.row(order.id)
    assert (row["status"], row["decided_by"]) == ("pending", None)
    assert await manual.keys() == []
    assert await manual.audit() == []
    assert (await manual.service.queue())[1] == 1


async def test_receipts_only_for_the_users_own_open_order(manual: Manual) -> None:
    order = await manual.service.order(user_id=CUSTOMER, amount=10_000)
    assert (
        await manual.service.approve(admin_id=ADMIN, order_id=order.id)
    ).status is DecisionStatus.NOT_FOUND  # no receipt yet: nothing to decide
    stranger = await manual.service.attach_receipt(
        user_id=OTHER, order_id=order.id, file_id="x", kind=ReceiptKind.PHOTO
    )
    assert stranger.status is ReceiptStatus.UNKNOWN
    unknown = await manual.service.attach_receipt(
        user_id=CUSTOMER, order_id=order.id + 100, file_id="x", kind=ReceiptKind.PHOTO
    )
    assert unknown.status is ReceiptStatus.UNKNOWN

    first = await manual.service.attach_receipt(
        user_id=CUSTOMER, order_id=order.id, file_id="pdf-1", kind=ReceiptKind.DOCUMENT
    )
    second = await manual.service.attach_receipt(
        user_id=CUSTOMER, order_id=order.id, file_id="pdf-2", kind=ReceiptKind.DOCUMENT
    )
    assert (first.status, second.status) == (ReceiptStatus.ACCEPTED, ReceiptStatus.ALREADY_SENT)
    row = await manual.row(order.id)
    assert (row["receipt_file_id"], row["receipt_kind"]) == ("pdf-1", "document")

    await manual.service.reject(admin_id=ADMIN, order_id=order.id)
    closed = await manual.service.attach_receipt(
        user_id=CUSTOMER, order_id=order.id, file_id="pdf-3", kind=ReceiptKind.DOCUMENT
    )
    assert closed.status is ReceiptStatus.CLOSED
    assert (await manual.row(order.id))["receipt_file_id"] == "pdf-1"


async def test_amounts_outside_the_bounds_a_switched_off_offer_and_banned_users_are_refused(
    manual: Manual, db: Database, clock: ManualClock
) -> None:
    for amount in (9_999, 5_000_001, 0, -100):
        with pytest.raises(InvalidAmount):
            await manual.service.order(user_id=CUSTOMER, amount=amount)
    switched_off = build(db, clock, ManualOffer(None, Kopecks(100), Kopecks(1_000)))
    with pytest.raises(StaleButtonError):
        await switched_off.order(user_id=CUSTOMER, amount=500)
    async with db.transaction() as tx:
        await tx.execute(sa.update(users).where(users.c.id == OTHER).values(is_banned=True))
    with pytest.raises(UserBanned):
        await manual.service.order(user_id=OTHER, amount=10_000)
    async with db.read() as tx:
        count = (await tx.execute(sa.select(sa.func.count()).select_from(payment_orders))).scalar()
    assert count == 0


async def test_ten_concurrent_approvals_credit_once(manual: Manual) -> None:
    order = await manual.with_receipt(amount=250_000)
    decisions = await asyncio.gather(
        *(
            manual.service.approve(admin_id=(ADMIN, SECOND_ADMIN)[i % 2], order_id=order.id)
            for i in range(10)
        )
    )
    statuses = sorted(d.status.value for d in decisions)
    assert statuses == ["already-decided"] * 9 + ["approved"]
    winner = next(d for d in decisions if d.status is DecisionStatus.APPROVED)
    assert winner.balance == 250_000
    assert await manual.available(CUSTOMER) == 250_000
    assert await manual.keys() == [f"manual:{order.id}"]
    assert [action for _, action, _ in await manual.audit()] == ["manual-approve"]


async def test_concurrent_approvals_and_rejections_have_one_effect(manual: Manual) -> None:
    order = await manual.with_receipt(amount=30_000)
    decisions = await asyncio.gather(
        *(
            (manual.service.approve if i % 2 else manual.service.reject)(
                admin_id=ADMIN, order_id=order.id
            )
            for i in range(10)
        )
    )
    effects = [d for d in decisions if d.status is not DecisionStatus.ALREADY_DECIDED]
    assert len(effects) == 1
    credited = effects[0].status is DecisionStatus.APPROVED
    assert await manual.available(CUSTOMER) == (30_000 if credited else 0)
    assert len(await manual.keys()) == (1 if credited else 0)
    assert len(await manual.audit()) == 1


async def test_the_first_manual_top_up_pays_the_inviter_once(
    manual: Manual, db: Database, clock: ManualClock
) -> None:
    await manual.user(INVITER)
    invitee = 4010
    await manual.user(invitee)
    referrals = Referrals(db=db, clock=clock, bonus=BONUS)
    assert await referrals.link(user_id=invitee, inviter_id=INVITER) is LinkOutcome.LINKED

    first = await manual.with_receipt(user_id=invitee, amount=20_000)
    decision = await manual.service.approve(admin_id=ADMIN, order_id=first.id)
    assert decision.reward is not None
    assert (decision.reward.inviter_id, decision.reward.amount) == (INVITER, BONUS)
    second = await manual.with_receipt(user_id=invitee, amount=20_000)
    assert (await manual.service.approve(admin_id=ADMIN, order_id=second.id)).reward is None

    assert await manual.available(INVITER) == BONUS
    assert await manual.available(invitee) == 40_000
    assert sorted(await manual.keys()) == sorted(
        [f"manual:{first.id}", f"manual:{second.id}", f"ref-bonus:{invitee}"]
    )
