"""An operator's changes to what is sold: a model switched off, or a fixed price for it.

Overrides are plain data (a service reads them from the database); `apply` turns them into the
catalog and pricing policy every screen and every hold use, so the user is shown and charged
the same thing. A fixed price applies to every option of a paid model; free models stay free.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from trt.domain.catalog import Catalog, ModelSpec
from trt.domain.money import KOPECKS_PER_RUBLE, Kopecks
from trt.domain.pricing import PricingPolicy

# Assumption: no single generation is worth more than this; a larger figure is a typo.
MAX_FIXED_PRICE = Kopecks(100_000 * KOPECKS_PER_RUBLE)


@dataclass(frozen=True, slots=True)
class ModelOverride:
    model_id: str
    enabled: bool = True
    price: Kopecks | None = None  # a fixed price for every option, or the policy's price


class PriceRefusal(StrEnum):
    FREE_MODEL = "free-model"  # a free model has no price to fix
    OUT_OF_RANGE = "out-of-range"  # below 1 ruble or above MAX_FIXED_PRICE


def price_refusal(model: ModelSpec, price: Kopecks) -> PriceRefusal | None:
    """Why `price` cannot be the fixed price of `model` (None: it can)."""
    if model.free:
        return PriceRefusal.FREE_MODEL
    if not KOPECKS_PER_RUBLE <= price <= MAX_FIXED_PRICE:
        return PriceRefusal.OUT_OF_RANGE
    return None


def apply(
    catalog: Catalog, policy: PricingPolicy, overrides: Iterable[ModelOverride]
) -> tuple[Catalog, PricingPolicy]:
    """The catalog with switched-off models hidden, and the policy with the fixed prices.

    Overrides of models the catalog does not have, and prices no longer valid for their model
    (it became free), are ignored.
    """
    disabled: set[str] = set()
    prices: dict[str, Kopecks] = {}
    for override in overrides:
        model = catalog.describe(override.model_id)
        if model is None:
            continue
        if not override.enabled:
            disabled.add(model.id)
        if override.price is not None and price_refusal(model, override.price) is None:
            prices[model.id] = override.price
    return catalog.with_disabled(disabled), policy.with_fixed_prices(prices)
