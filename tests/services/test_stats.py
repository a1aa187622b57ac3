"""The operator's statistics on a small known dataset, on both engines."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from tests.conftest import ManualClock
from trt.bot.admin import views
from trt.bot.texts import load_translations
from trt.domain.ledger import EntryKind
from trt.domain.pricing import PricingPolicy
from trt.services.stats import Period, Stats
from trt.storage import ledger, users
from trt.storage.database import Database
from trt.storage.tables import jobs, payment_orders

POLICY = PricingPolicy(usd_per_credit=Decimal("0.005"), rub_per_usd=Decimal(100))


def job(user_id: int, status: str, model: str, at: Any, **extra: Any) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "chat_id": user_id,
        "model_id": model,
        "family": "market",
        "status": status,
        "price": 1000,
        "inputs": {},
        "correlation_id": f"c-{user_id}-{model}-{status}",
        "deadline_at": at,
        "created_at": at,
        "updated_at": at,
        "credits_quoted": extra.pop("quoted", None),
        "credits_consumed": extra.pop("consumed", None),
        "finished_at": extra.pop("finished", None),
    }


async def seed(db: Database, clock: ManualClock) -> None:
    now = clock.now()
    old = now - timedelta(days=30)
    async with db.transaction() as tx:
        await users.ensure_user(tx, user_id=1, now=old)  # old, not seen since
        await users.ensure_user(tx, user_id=2, now=now)
        await users.ensure_user(tx, user_id=3, now=now - timedelta(days=3))
        await tx.execute(
            payment_orders.insert(),
            {
                "user_id": 2,
                "method": "stars",
                "currency": "XTR",
                "amount": 50,
                "credit": 10000,
                "status": "paid",
                "payload": "p1",
                "created_at": now,
                "updated_at": now,
            },
        )
        order_id = 1
        await ledger.post(
            tx,
            user_id=2,
            kind=EntryKind.TOPUP,
            amount=10000,
            key="t1",
            now=now,
            reference=f"order:{order_id}",
        )
        await ledger.post(tx, user_id=1, kind=EntryKind.TOPUP, amount=5000, key="t0", now=old)
        await ledger.hold(tx, user_id=2, amount=3000, key="h1", now=now, reference="job:1")
        await ledger.capture(tx, hold_key="h1", key="c1", now=now)
        await tx.execute(
            jobs.insert(),
            [
                job(
                    2,
                    "succeeded",
                    "z-image",
                    now,
                    consumed=Decimal(20),
                    finished=now + timedelta(seconds=30),
                ),
                job(
                    2,
                    "succeeded",
                    "z-image",
                    now,
                    quoted=Decimal(10),
                    finished=now + timedelta(seconds=90),
                ),
                job(2, "failed", "veo3", now, quoted=Decimal(100)),
                job(3, "running", "veo3", now - timedelta(days=3)),
                job(
                    1,
                    "succeeded",
                    "suno",
                    old,
                    consumed=Decimal(40),
                    finished=old + timedelta(seconds=10),
                ),
            ],
        )


async def test_today_week_and_all_time(db: Database, clock: ManualClock) -> None:
    await seed(db, clock)
    stats = Stats(db=db, clock=clock, pricing=POLICY)

    today = await stats.report(Period.TODAY)
    assert (today.new_users, today.active_users) == (1, 1)
    assert today.topups == {"stars": 10000}
    assert today.revenue == 10000
    assert today.captured == 3000
    assert today.credits == Decimal(30)  # consumed 20 + quoted 10; the failed job costs nothing
    assert today.cost == 1500  # 30 × 0.005 $ × 100 ₽ = 15 ₽
    assert today.margin == 1500
    assert today.jobs_by_status == {"succeeded": 2, "failed": 1}
    assert today.top_models == [("z-image", 2), ("veo3", 1)]
    assert today.failure_rate == 1 / 3
    assert today.avg_seconds == 60

    week = await stats.report(Period.WEEK)
    assert (week.new_users, week.active_users) == (2, 2)
    assert week.jobs_by_status == {"succeeded": 2, "failed": 1, "running": 1}
    assert week.top_models == [("veo3", 2), ("z-image", 2)]

    total = await stats.report(Period.ALL)
    assert (total.new_users, total.active_users) == (3, 3)
    assert total.topups == {"stars": 10000, "other": 5000}
    assert total.revenue == 15000
    assert total.credits == Decimal(70)
    assert total.cost == 3500
    assert total.margin == 3000 - 3500
    assert total.avg_seconds == (30 + 90 + 10) / 3


async def test_top_ups_are_grouped_by_any_method_and_labelled_in_both_languages(
    db: Database, clock: ManualClock
) -> None:
    now = clock.now()
    amounts = {"stars": 10_000, "yookassa": 25_000, "manual": 50_000, "crypto": 7_000}
    async with db.transaction() as tx:
        await users.ensure_user(tx, user_id=2, now=now)
        for number, (method, credit) in enumerate(amounts.items(), start=1):
            order_id = (
                await tx.execute(
                    payment_orders.insert().returning(payment_orders.c.id),
                    {
                        "user_id": 2,
                        "method": method,  # "crypto": a method added after this code was written
                        "currency": "RUB",
                        "amount": credit,
                        "credit": credit,
                        "status": "paid",
                        "payload": f"p{number}",
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            ).scalar_one()
            await ledger.post(
                tx,
                user_id=2,
                kind=EntryKind.TOPUP,
                amount=credit,
                key=f"t{number}",
                now=now,
                reference=f"order:{order_id}",
            )
        await ledger.post(tx, user_id=2, kind=EntryKind.TOPUP, amount=300, key="t-bare", now=now)

    report = await Stats(db=db, clock=clock, pricing=POLICY).report(Period.TODAY)

    assert report.topups == {**amounts, "other": 300}
    assert list(report.topups) == ["manual", "yookassa", "stars", "crypto", "other"]
    assert report.revenue == sum(amounts.values()) + 300
    translations = load_translations()
    english = views.stats(translations["en"], report)
    assert (
        "Top-ups: 923 ₽ (🏦 bank transfer 500 ₽, 💳 card / SBP 250 ₽, ⭐ Stars 100 ₽, "
        "crypto 70 ₽, without an order 3 ₽)"
    ) in english
    russian = views.stats(translations["ru"], report)
    assert "🏦 банковский перевод 500 ₽, 💳 карта / СБП 250 ₽, ⭐ звёзды 100 ₽" in russian
    assert "crypto 70 ₽, без заказа 3 ₽" in russian
