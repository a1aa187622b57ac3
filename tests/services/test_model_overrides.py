"""Model overrides on both engines: a model switched off leaves every list and cannot be
started (nothing held), a fixed price is what is quoted and held, every change is audited, and
another instance follows within the cache's lifetime without a query per read."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.conftest import ManualClock
from trt.domain.catalog import ModelUnavailable, UnknownModel, load_catalog
from trt.domain.ledger import EntryKind
from trt.domain.money import Kopecks
from trt.domain.overrides import PriceRefusal
from trt.domain.pricing import PricingPolicy, price_range, quote
from trt.services.billing import Billing
from trt.services.generation import Generation
from trt.services.model_overrides import ModelOverrides, PriceRefused
from trt.storage import jobs, ledger
from trt.storage.database import Database
from trt.storage.tables import admin_audit

CATALOG = load_catalog()
POLICY = PricingPolicy()
ADMIN, USER = 900, 5001
PAID, FREE = "nano-banana", "z-image"


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def overrides(db: Database, clock: ManualClock, monotonic: Monotonic) -> ModelOverrides:
    return ModelOverrides(
        db=db, clock=clock, catalog=CATALOG, pricing=POLICY, ttl=3.0, monotonic=monotonic
    )


@contextmanager
def override_reads(db: Database) -> Iterator[list[str]]:
    """Every load of the overrides (a read of the whole table) while the block runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement = " ".join(str(args[2]).split())
        if statement.startswith("SELECT") and "FROM model_overrides ORDER BY" in statement:
            seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def fund(db: Database, clock: ManualClock) -> None:
    billing = Billing(db=db, clock=clock)
    await billing.open_account(user_id=USER)
    await billing.credit(user_id=USER, amount=100_000, kind=EntryKind.TOPUP, key="t1")


async def held(db: Database) -> int:
    async with db.read() as tx:
        return (await ledger.get_balance(tx, USER)).held


async def test_a_switched_off_model_leaves_every_list_and_is_not_started(
    db: Database, clock: ManualClock
) -> None:
    service = overrides(db, clock, Monotonic())
    generation = Generation(
        db=db,
        catalog=CATALOG,
        pricing=POLICY,
        clock=clock,
        free_daily_quota=5,
        offer=service.fresh,
    )
    await fund(db, clock)

    assert await service.set_enabled(admin_id=ADMIN, model_id=FREE, enabled=False)
    assert await service.set_enabled(admin_id=ADMIN, model_id=PAID, enabled=False)
    assert not await service.set_enabled(admin_id=ADMIN, model_id=PAID, enabled=False)
    offer = (await service.offer()).catalog
    for listed in (
        list(offer),
        offer.free_models(),
        offer.popular_models(),
        offer.models_in("image"),
        offer.search("banana"),
        offer.search("z-image"),
    ):
        assert {m.id for m in listed}.isdisjoint({PAID, FREE})
    assert PAID not in offer
    with pytest.raises(ModelUnavailable):
        offer.by_slug(CATALOG.get(PAID).slug)
    assert offer.describe(PAID) == CATALOG.get(PAID)  # the history keeps its title
    for model_id in (PAID, FREE):
        with pytest.raises(ModelUnavailable):
            await generation.start(
                user_id=USER, chat_id=USER, model_id=model_id, values={"prompt": "a cat"}
            )
    async with db.read() as tx:
        assert await jobs.list_for_user(tx, USER, limit=5) == []
    assert await held(db) == 0

    assert await service.set_enabled(admin_id=ADMIN, model_id=PAID, enabled=True)
    started = await generation.start(
        user_id=USER, chat_id=USER, model_id=PAID, values={"prompt": "a cat"}
    )
    assert await held(db) == started.price > 0
    assert PAID in (await service.offer()).catalog


async def test_a_fixed_price_is_quoted_and_held_and_a_reset_restores_the_policy(
    db: Database, clock: ManualClock
) -> None:
    service = overrides(db, clock, Monotonic())
    generation = Generation(
        db=db, catalog=CATALOG, pricing=POLICY, clock=clock, free_daily_quota=5, offer=service.fresh
    )
    await fund(db, clock)
    model = CATALOG.get(PAID)
    normal = quote(model, {"prompt": "a cat"}, POLICY).price
    fixed = Kopecks(normal + 1234)

    assert await service.set_price(admin_id=ADMIN, model_id=PAID, price=fixed)
    pricing = (await service.offer()).pricing
    assert price_range(model, pricing) == (fixed, fixed)
    assert quote(model, {"prompt": "a cat", "output_format": "jpeg"}, pricing).price == fixed
    started = await generation.start(
        user_id=USER, chat_id=USER, model_id=PAID, values={"prompt": "a cat"}
    )
    assert started.price == fixed
    assert await held(db) == fixed
    state = await service.state(PAID)
    assert (state.enabled, state.fixed_price, state.low) == (True, fixed, fixed)

    await service.set_enabled(admin_id=ADMIN, model_id=PAID, enabled=False)
    assert (await service.state(PAID)).fixed_price == fixed  # switching keeps the price
    await service.set_enabled(admin_id=ADMIN, model_id=PAID, enabled=True)
    assert await service.set_price(admin_id=ADMIN, model_id=PAID, price=None)
    assert quote(model, {"prompt": "a cat"}, (await service.offer()).pricing).price == normal

    with pytest.raises(PriceRefused) as free:
        await service.set_price(admin_id=ADMIN, model_id=FREE, price=Kopecks(5000))
    assert free.value.refusal is PriceRefusal.FREE_MODEL
    for wrong in (0, 99, 100_000_01):
        with pytest.raises(PriceRefused) as out_of_range:
            await service.set_price(admin_id=ADMIN, model_id=PAID, price=Kopecks(wrong))
        assert out_of_range.value.refusal is PriceRefusal.OUT_OF_RANGE
    with pytest.raises(UnknownModel):
        await service.set_enabled(admin_id=ADMIN, model_id="no-such-model", enabled=False)

    async with db.read() as tx:
        audit = [
            (row.admin_id, row.action, row.target, row.details)
            for row in await tx.execute(sa.select(admin_audit).order_by(admin_audit.c.id))
        ]
    assert audit == [
        (ADMIN, "model-price", PAID, {"price": fixed, "previous": None}),
        (ADMIN, "model-off", PAID, {"changed": True}),
        (ADMIN, "model-on", PAID, {"changed": True}),
        (ADMIN, "model-price", PAID, {"price": None, "previous": fixed}),
    ]


async def test_another_instance_follows_within_the_ttl_with_one_query_per_reload(
    db: Database, clock: ManualClock
) -> None:
    time = Monotonic()
    here, there = overrides(db, clock, time), overrides(db, clock, time)
    with override_reads(db) as reads:
        for _ in range(500):  # button presses on the other instance
            assert PAID in (await there.offer()).catalog
        assert len(reads) == 1

        await here.set_enabled(admin_id=ADMIN, model_id=PAID, enabled=False)
        assert PAID not in (await here.offer()).catalog  # at once where it was made
        time.now += 2.9
        assert PAID in (await there.offer()).catalog  # still cached over there
        time.now += 0.2
        for _ in range(500):
            assert PAID not in (await there.offer()).catalog
        assert len(reads) == 3  # the first load, this instance's reload, the other's
