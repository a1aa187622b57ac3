import itertools
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trt.domain import inputs, pricing
from trt.domain.catalog import Catalog, FieldType, ModelSpec, load_catalog
from trt.domain.inputs import ProblemCode
from trt.domain.pricing import PricingError, PricingPolicy

CATALOG = load_catalog()
MODELS = list(CATALOG)
POLICY = PricingPolicy()  # 1 credit = 0.005 USD x 95 RUB x 2 = 0.95 RUB


def _finite_domain(model: ModelSpec, name: str) -> tuple[Any, ...]:
    field = model.field(name)
    if field.type is FieldType.BOOL:
        return (False, True)
    if field.type is FieldType.TEXT:
        lengths = {1, 999, 1000, 1001, 2500, field.max_length or 1}
        # A dialogue's line starts with a voice's name: "Brian: xx…", as long as the others.
        speaker = f"{field.speakers[0].name}: " if field.speakers else ""
        return tuple(
            speaker + "x" * (n - len(speaker))
            for n in sorted(lengths)
            if len(speaker) < n <= (field.max_length or 1)
        )
    domain = field.domain()
    assert domain is not None, f"{model.id}.{name} is priced but not enumerable"
    return tuple(int(v) for v in domain) if field.type is FieldType.INT else domain


def _input_combinations(model: ModelSpec) -> list[dict[str, Any]]:
    """Every combination of priced inputs a user can enter, built from the fields alone."""
    names = [field.name for field in model.priced_fields]
    domains = [_finite_domain(model, name) for name in names]
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*domains)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.id)
def test_every_allowed_input_combination_has_a_price(model: ModelSpec) -> None:
    base = inputs.minimal_values(model)
    for combination in _input_combinations(model):
        checked = inputs.validate(model, {**base, **combination})
        if checked.ok:
            quote = pricing.quote(model, checked.values, POLICY)
            assert quote.credits > 0
        else:
            assert {p.code for p in checked.problems} == {ProblemCode.COMBINATION_NOT_ALLOWED}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.id)
def test_prices_are_never_negative_and_paid_models_never_cost_0(model: ModelSpec) -> None:
    rows = pricing.model_price_rows(model, POLICY)
    assert rows
    for row in rows:
        assert row.credits > 0
        if model.free:
            assert row.price == 0
        else:
            assert row.price >= 100


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.id)
def test_price_range_spans_the_price_list(model: ModelSpec) -> None:
    prices = [row.price for row in pricing.model_price_rows(model, POLICY)]
    assert pricing.price_range(model, POLICY) == (min(prices), max(prices))


@pytest.mark.parametrize(
    ("model_id", "values", "sku", "credits", "kopecks"),
    [
        ("z-image", {"prompt": "a"}, "z-image", "0.8", 0),
        ("nano-banana", {"prompt": "a"}, "nano-banana", "4", 400),  # 3.80 ₽ -> 4 ₽
        ("crisp-upscale", {}, "crisp-upscale", "0.5", 100),  # 0.475 ₽ -> 1 ₽
        (
            "kling-2-6-t2v",
            {"duration": "10", "sound": True},
            "kling-2-6-t2v:sound=true,duration=10",
            "220",
            20900,
        ),
        ("kling-2-6-t2v", {}, "kling-2-6-t2v:sound=false,duration=5", "55", 5300),  # 52.25 -> 53
        (
            "hailuo-2-3-pro",
            {"duration": "6", "resolution": "1080P"},
            "hailuo-2-3-pro:duration=6,resolution=1080P",
            "80",
            7600,
        ),
        (
            "kling-3",
            {"duration": "15", "mode": "4K"},
            "kling-3:sound=false,duration=15,mode=4K",
            "1005",
            95500,
        ),
        (
            "seedance-1-5-pro",
            {"duration": 12, "resolution": "1080p", "generate_audio": True},
            "seedance-1-5-pro:resolution=1080p,duration=12,generate_audio=true",
            "180",
            17100,
        ),
        (
            "grok-imagine-i2v",
            {"duration": 7},
            "grok-imagine-i2v:duration=7,resolution=480p",
            "11.2",
            1100,
        ),
        ("veo-3-1-fast-t2v", {"resolution": "4k"}, "veo-3-1-fast-t2v:resolution=4k", "180", 17100),
        (
            "wan-2-6-t2v",
            {"duration": "15", "resolution": "1080p"},
            "wan-2-6-t2v:duration=15,resolution=1080p",
            "315",
            30000,
        ),
        ("tts-turbo-2-5", {"text": "x" * 1000}, "tts-turbo-2-5:text<=1000", "6", 600),
        ("tts-turbo-2-5", {"text": "x" * 1001}, "tts-turbo-2-5:text<=2000", "12", 1200),
        ("qwen-t2i", {"image_size": "square"}, "qwen-t2i:image_size=square", "1.048576", 0),
        ("suno-v5", {}, "suno-v5", "12", 1200),
    ],
)
def test_known_prices(
    catalog: Catalog, model_id: str, values: dict[str, Any], sku: str, credits: str, kopecks: int
) -> None:
    model = catalog.get(model_id)
    checked = inputs.validate(model, {**inputs.minimal_values(model), **values})
    assert checked.ok, checked.problems
    assert pricing.quote(model, checked.values, POLICY) == pricing.Quote(
        sku, Decimal(credits), kopecks
    )


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.id)
def test_quote_names_a_sku_of_the_price_list(model: ModelSpec) -> None:
    checked = inputs.validate(model, inputs.minimal_values(model))
    quote = pricing.quote(model, checked.values, POLICY)
    listed = {row.sku: row for row in pricing.model_price_rows(model, POLICY)}
    assert listed[quote.sku].price == quote.price
    assert listed[quote.sku].credits == quote.credits


def test_a_forbidden_combination_has_no_price(catalog: Catalog) -> None:
    model = catalog.get("hailuo-2-3-standard")
    with pytest.raises(PricingError, match="not allowed"):
        pricing.quote(model, {"duration": "10", "resolution": "1080P"}, POLICY)
    assert not any(
        "duration=10,resolution=1080P" in r.sku for r in pricing.price_list(catalog, POLICY)
    )


def test_price_list_covers_every_model(catalog: Catalog) -> None:
    rows = pricing.price_list(catalog, POLICY)
    assert {row.model_id for row in rows} == {model.id for model in catalog}
    assert len({row.sku for row in rows}) == len(rows)
    assert rows[0].options == "" or "=" in rows[0].options


@pytest.mark.parametrize(
    ("policy", "credits", "kopecks"),
    [
        (PricingPolicy(), Decimal(100), 9500),
        (PricingPolicy(markup=Decimal(1)), Decimal(1), 100),  # 0.475 -> 1 ₽
        (PricingPolicy(rub_per_usd=Decimal("90.5"), markup=Decimal("1.5")), Decimal(220), 15000),
        (PricingPolicy(usd_per_credit=Decimal("0.004")), Decimal(250), 19000),
    ],
)
def test_policy_rounds_rubles_up(policy: PricingPolicy, credits: Decimal, kopecks: int) -> None:
    assert pricing.price_in_kopecks(CATALOG.get("nano-banana"), credits, policy) == kopecks


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("markup", 2.0, TypeError),
        ("markup", Decimal(0), ValueError),
        ("rub_per_usd", Decimal(-95), ValueError),
        ("usd_per_credit", Decimal("NaN"), ValueError),
    ],
)
def test_policy_rejects_floats_and_non_positive_values(field: str, value: Any, error: type) -> None:
    with pytest.raises(error):
        PricingPolicy(**{field: value})


DECIMALS = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4)


@settings(max_examples=200, deadline=None)
@given(
    model=st.sampled_from(MODELS),
    usd=DECIMALS,
    rub=DECIMALS,
    markup=DECIMALS,
    pick=st.integers(min_value=0, max_value=10_000),
)
def test_any_policy_prices_paid_skus_at_least_1_ruble_and_never_below_cost(
    model: ModelSpec, usd: Decimal, rub: Decimal, markup: Decimal, pick: int
) -> None:
    policy = PricingPolicy(usd_per_credit=usd, rub_per_usd=rub, markup=markup)
    rows = pricing.model_price_rows(model, policy)
    row = rows[pick % len(rows)]
    if model.free:
        assert row.price == 0
    else:
        exact = policy.rubles(row.credits) * 100
        assert row.price >= max(exact, Decimal(100))
        assert row.price % 100 == 0
        assert row.price < max(exact, Decimal(100)) + 100


@settings(max_examples=100, deadline=None)
@given(model=st.sampled_from(MODELS), low=DECIMALS, extra=DECIMALS)
def test_a_higher_markup_never_lowers_a_price(
    model: ModelSpec, low: Decimal, extra: Decimal
) -> None:
    cheap = pricing.price_range(model, PricingPolicy(markup=low))
    dear = pricing.price_range(model, PricingPolicy(markup=low + extra))
    assert cheap[0] <= dear[0]
    assert cheap[1] <= dear[1]
