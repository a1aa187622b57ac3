"""Overrides as data: switched-off models vanish from the catalog's lists but keep their
description; fixed prices replace the formula for every option of a paid model only."""

import pytest

from trt.domain.catalog import ModelUnavailable, UnknownModel, load_catalog
from trt.domain.families import ApiFamily
from trt.domain.money import Kopecks
from trt.domain.overrides import MAX_FIXED_PRICE, ModelOverride, PriceRefusal, apply, price_refusal
from trt.domain.pricing import PricingPolicy, model_price_rows, price_list, price_range

CATALOG = load_catalog()
POLICY = PricingPolicy()


def test_disabled_models_leave_every_list_and_lookups_say_why() -> None:
    off = {"z-image", "veo-3-1-t2v", "nano-banana"}
    catalog = CATALOG.with_disabled([*off, "not-a-model"])

    assert catalog.disabled == frozenset(off)
    assert len(catalog) == len(CATALOG) - len(off)
    assert off.isdisjoint(m.id for m in catalog)
    assert off.isdisjoint(m.id for m in catalog.free_models() + catalog.popular_models())
    assert off.isdisjoint(m.id for c in catalog.categories() for m in catalog.models_in(c))
    assert catalog.search("z-image") == []
    for model_id in off:
        assert model_id not in catalog
        with pytest.raises(ModelUnavailable):
            catalog.get(model_id)
        with pytest.raises(ModelUnavailable):
            catalog.by_slug(CATALOG.get(model_id).slug)
        assert catalog.describe(model_id) == CATALOG.get(model_id)
    with pytest.raises(UnknownModel) as unknown:
        catalog.get("not-a-model")
    assert not isinstance(unknown.value, ModelUnavailable)
    assert catalog.describe("not-a-model") is None
    # Hiding a family keeps the switched-off ones off; a new set replaces the old one.
    assert catalog.without(ApiFamily.SUNO).disabled == frozenset(off)
    assert catalog.with_disabled([]).disabled == frozenset()


def test_a_category_whose_models_are_all_off_disappears() -> None:
    speech = [m.id for m in CATALOG.models_in("speech")]
    assert "speech" not in CATALOG.with_disabled(speech).categories()


def test_a_fixed_price_covers_every_option_of_that_model_only() -> None:
    veo = CATALOG.get("veo-3-1-t2v")
    other = CATALOG.get("kling-2-6-t2v")
    policy = POLICY.with_fixed_prices({veo.id: Kopecks(12_300)})

    assert {row.price for row in model_price_rows(veo, policy)} == {12_300}
    assert len(model_price_rows(veo, policy)) > 1
    assert price_range(other, policy) == price_range(other, POLICY)
    assert [row.sku for row in price_list(CATALOG, policy)] == [
        row.sku for row in price_list(CATALOG, POLICY)
    ]
    with pytest.raises(ValueError, match="at least 1 ruble"):
        POLICY.with_fixed_prices({veo.id: Kopecks(50)})


def test_apply_hides_switched_off_models_and_fixes_valid_prices() -> None:
    catalog, policy = apply(
        CATALOG,
        POLICY,
        [
            ModelOverride("nano-banana", enabled=False, price=Kopecks(9_900)),
            ModelOverride("seedream-4", price=Kopecks(4_500)),
            ModelOverride("z-image", price=Kopecks(4_500)),  # a free model stays free
            ModelOverride("gone-model", enabled=False),
            ModelOverride("imagen4"),  # enabled, no price: as the catalog says
        ],
    )
    assert catalog.disabled == frozenset({"nano-banana"})
    assert dict(policy.fixed_prices) == {"nano-banana": 9_900, "seedream-4": 4_500}
    assert price_range(CATALOG.get("z-image"), policy) == (0, 0)


@pytest.mark.parametrize(
    ("model_id", "price", "refusal"),
    [
        ("nano-banana", 100, None),
        ("nano-banana", MAX_FIXED_PRICE, None),
        ("nano-banana", 99, PriceRefusal.OUT_OF_RANGE),
        ("nano-banana", -500, PriceRefusal.OUT_OF_RANGE),
        ("nano-banana", MAX_FIXED_PRICE + 1, PriceRefusal.OUT_OF_RANGE),
        ("z-image", 5_000, PriceRefusal.FREE_MODEL),
    ],
)
def test_which_fixed_prices_are_refused(
    model_id: str, price: int, refusal: PriceRefusal | None
) -> None:
    assert price_refusal(CATALOG.get(model_id), Kopecks(price)) == refusal
