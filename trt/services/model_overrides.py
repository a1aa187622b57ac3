"""Model overrides: an operator switches a model off or fixes its price, every instance follows.

Overrides live in the database (`model_overrides`), so every instance sees the same ones.
`offer()` gives the catalog and pricing in force from a cache that is reloaded (one small
query) at most every `ttl` seconds, and at once on the instance that made a change: browsing
costs no query per button press. `fresh()` re-reads now; starting a generation uses it, so a
model switched off on any instance is never started and the hold is the current price.
"""

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from trt.domain import overrides
from trt.domain.catalog import Catalog, ModelSpec, UnknownModel
from trt.domain.money import Kopecks
from trt.domain.overrides import ModelOverride, PriceRefusal, price_refusal
from trt.domain.pricing import PricingPolicy, price_range
from trt.services.ports import Clock
from trt.storage import admin, model_overrides
from trt.storage.database import Database

log = structlog.get_logger(__name__)

# Assumption: a few seconds for a change to reach the other instances' screens is fine;
# starting a generation never waits for it (it reads the overrides afresh).
DEFAULT_TTL = 3.0


@dataclass(frozen=True, slots=True)
class Offer:
    """What is for sale right now: the catalog without switched-off models, and the pricing
    policy with the fixed prices."""

    catalog: Catalog
    pricing: PricingPolicy


@dataclass(frozen=True, slots=True)
class ModelState:
    """One model as the operator sees it."""

    model: ModelSpec
    enabled: bool
    fixed_price: Kopecks | None
    low: Kopecks  # the cheapest and dearest option now (both the fixed price when set)
    high: Kopecks


class PriceRefused(ValueError):
    def __init__(self, refusal: PriceRefusal) -> None:
        super().__init__(f"price refused: {refusal.value}")
        self.refusal = refusal


class ModelOverrides:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        catalog: Catalog,
        pricing: PricingPolicy,
        ttl: float = DEFAULT_TTL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._clock = clock
        self._catalog = catalog
        self._pricing = pricing
        self._ttl = ttl
        self._monotonic = monotonic
        self._rows: tuple[ModelOverride, ...] = ()
        self._offer = Offer(catalog, pricing)
        self._loaded_at = -math.inf
        self._generation = 0  # bumped by every change made here
        self._lock = asyncio.Lock()

    @property
    def catalog(self) -> Catalog:
        """Every model, switched off or not (the operator's list)."""
        return self._catalog

    async def offer(self) -> Offer:
        """The offer in force, at most `ttl` seconds old."""
        if self._monotonic() - self._loaded_at < self._ttl:
            return self._offer
        async with self._lock:  # one reload for every caller that found the cache stale
            if self._monotonic() - self._loaded_at < self._ttl:
                return self._offer
            return await self.fresh()

    async def fresh(self) -> Offer:
        """The offer as the database has it now (and the cache refreshed with it)."""
        generation, started = self._generation, self._monotonic()
        async with self._db.read() as tx:
            rows = tuple(await model_overrides.all_overrides(tx))
        offer = (
            self._offer
            if rows == self._rows
            else Offer(*overrides.apply(self._catalog, self._pricing, rows))
        )
        # Cached only if nothing changed here meanwhile and no later read finished first.
        if generation == self._generation and started >= self._loaded_at:
            if offer is not self._offer:
                log.info("models.overrides_loaded", disabled=sorted(offer.catalog.disabled))
            self._rows, self._offer, self._loaded_at = rows, offer, started
        return offer

    async def states(self) -> list[ModelState]:
        """Every model with its on/off state and price, in catalog order."""
        offer = await self.fresh()
        return [_state(model, offer) for model in self._catalog]

    async def state(self, model_id: str) -> ModelState:
        return _state(self._model(model_id), await self.fresh())

    async def set_enabled(self, *, admin_id: int, model_id: str, enabled: bool) -> bool:
        """Switch a model on or off (audited); True when that changed it. Raises UnknownModel."""
        model = self._model(model_id)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            before = await model_overrides.get(tx, model.id)
            changed = (before is None or before.override.enabled) != enabled
            await model_overrides.set_enabled(tx, model.id, enabled, admin_id=admin_id, now=now)
            await admin.audit(
                tx,
                admin_id=admin_id,
                action="model-on" if enabled else "model-off",
                target=model.id,
                details={"changed": changed},
                now=now,
            )
        self._invalidate()
        log.info("models.switched", model=model.id, enabled=enabled, changed=changed)
        return changed

    async def set_price(self, *, admin_id: int, model_id: str, price: Kopecks | None) -> bool:
        """Fix a model's price for every option, or reset it with None (audited); True when
        that changed it. Raises UnknownModel or PriceRefused."""
        model = self._model(model_id)
        if price is not None and (refusal := price_refusal(model, price)) is not None:
            raise PriceRefused(refusal)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            before = await model_overrides.get(tx, model.id)
            previous = None if before is None else before.override.price
            await model_overrides.set_price(tx, model.id, price, admin_id=admin_id, now=now)
            await admin.audit(
                tx,
                admin_id=admin_id,
                action="model-price",
                target=model.id,
                details={"price": price, "previous": previous},
                now=now,
            )
        self._invalidate()
        log.info("models.priced", model=model.id, price=price, previous=previous)
        return previous != price

    def _invalidate(self) -> None:
        """The instance that made a change applies it at once (the others within `ttl`)."""
        self._generation += 1
        self._loaded_at = -math.inf

    def _model(self, model_id: str) -> ModelSpec:
        model = self._catalog.describe(model_id.strip())
        if model is None:
            raise UnknownModel(model_id)
        return model


def _state(model: ModelSpec, offer: Offer) -> ModelState:
    low, high = price_range(model, offer.pricing)
    return ModelState(
        model=model,
        enabled=model.id not in offer.catalog.disabled,
        fixed_price=offer.pricing.fixed_prices.get(model.id),
        low=low,
        high=high,
    )
