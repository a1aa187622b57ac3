"""KIE credits to rubles, by one policy.

    rubles = credits x usd_per_credit x rub_per_usd x markup, rounded up to whole rubles

and returned as integer kopecks. A free model costs 0; a paid model at least 1 ruble. Money is
Decimal end to end; a float never touches it. An operator's fixed price for a paid model
(`PricingPolicy.fixed_prices`) replaces the formula for every option of that model.

A SKU is one priced combination of a model's inputs: the values of its priced fields, where a
per-length field counts started units (e.g. `text<=2000` for 1001-2000 characters). `quote`
and `price_list` name and price SKUs with the same functions, so the list shows exactly what
a user is charged.
"""

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from types import MappingProxyType

from trt.domain.catalog import Catalog, ModelSpec, MultiplierKind, canonical
from trt.domain.money import KOPECKS_PER_RUBLE, Kopecks, ceil_to_ruble


class PricingError(ValueError):
    """Values no SKU prices: a caller skipped validation or the catalog is inconsistent."""


@dataclass(frozen=True, slots=True)
class PricingPolicy:
    usd_per_credit: Decimal = Decimal("0.005")
    rub_per_usd: Decimal = Decimal(95)
    markup: Decimal = Decimal("2.0")
    # model id -> kopecks for every option of that (paid) model, set by an operator
    fixed_prices: Mapping[str, Kopecks] = dataclasses.field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    def __post_init__(self) -> None:
        for name in ("usd_per_credit", "rub_per_usd", "markup"):
            value = getattr(self, name)
            if not isinstance(value, Decimal):
                raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
            if not value.is_finite() or value <= 0:
                raise ValueError(f"{name} must be a positive number, got {value}")
        for model_id, price in self.fixed_prices.items():
            if price < KOPECKS_PER_RUBLE:
                raise ValueError(f"a fixed price is at least 1 ruble, got {price} for {model_id}")

    def with_fixed_prices(self, prices: Mapping[str, Kopecks]) -> "PricingPolicy":
        """The same policy with exactly these fixed prices."""
        return replace(self, fixed_prices=MappingProxyType(dict(prices)))

    def rubles(self, credits: Decimal) -> Decimal:
        return credits * self.usd_per_credit * self.rub_per_usd * self.markup


@dataclass(frozen=True, slots=True)
class Quote:
    sku: str
    credits: Decimal
    price: Kopecks


@dataclass(frozen=True, slots=True)
class PriceRow:
    model_id: str
    sku: str
    credits: Decimal
    price: Kopecks

    @property
    def options(self) -> str:
        """The SKU without the model id: `duration=5,sound=true`, or '' for a flat price."""
        return self.sku.partition(":")[2]


def price_in_kopecks(model: ModelSpec, credits: Decimal, policy: PricingPolicy) -> Kopecks:
    if model.free:
        return Kopecks(0)
    fixed = policy.fixed_prices.get(model.id)
    if fixed is not None:
        return fixed
    return Kopecks(max(ceil_to_ruble(policy.rubles(credits)), KOPECKS_PER_RUBLE))


def sku_key(model: ModelSpec, values: Mapping[str, object]) -> dict[str, str]:
    """The priced part of normalised values; absent priced values fall back to defaults."""
    lengths = {m.field: m.unit for m in model.price.multipliers if m.per is MultiplierKind.LENGTH}
    key: dict[str, str] = {}
    for field in model.priced_fields:
        value = values.get(field.name, field.default)
        if value is None:
            raise PricingError(f"model {model.id!r}: priced field {field.name!r} has no value")
        if field.name in lengths:
            key[field.name] = str(max(1, math.ceil(len(str(value)) / lengths[field.name])))
        else:
            key[field.name] = canonical(value)
    return key


def sku_credits(model: ModelSpec, key: Mapping[str, str]) -> Decimal:
    if not model.allows(key):
        raise PricingError(f"model {model.id!r}: combination {dict(key)} is not allowed")
    matches = model.price.base_credits(key)
    if len(matches) != 1:
        raise PricingError(f"model {model.id!r}: no single price for {dict(key)}")
    credits = matches[0]
    for multiplier in model.price.multipliers:
        value = key[multiplier.field]
        if multiplier.per is MultiplierKind.FACTOR:
            credits *= multiplier.factors[value]
        else:
            credits *= Decimal(value)
    return credits


def sku_name(model: ModelSpec, key: Mapping[str, str]) -> str:
    units = {m.field: m.unit for m in model.price.multipliers if m.per is MultiplierKind.LENGTH}
    parts = []
    for field in model.priced_fields:
        value = key[field.name]
        if field.name in units:
            parts.append(f"{field.name}<={int(value) * units[field.name]}")
        else:
            parts.append(f"{field.name}={value}")
    return f"{model.id}:{','.join(parts)}" if parts else model.id


def quote(model: ModelSpec, values: Mapping[str, object], policy: PricingPolicy) -> Quote:
    """Price validated values (see inputs.validate)."""
    key = sku_key(model, values)
    credits = sku_credits(model, key)
    return Quote(
        sku=sku_name(model, key),
        credits=credits,
        price=price_in_kopecks(model, credits, policy),
    )


def sku_keys(model: ModelSpec) -> Iterator[dict[str, str]]:
    """Every SKU a model has: row combinations x every value of each multiplier field."""
    domains: list[tuple[str, tuple[str, ...]]] = []
    for multiplier in model.price.multipliers:
        field = model.field(multiplier.field)
        if multiplier.per is MultiplierKind.LENGTH:
            count = math.ceil((field.max_length or 1) / multiplier.unit)
            domains.append((field.name, tuple(str(n) for n in range(1, count + 1))))
        else:
            domains.append((field.name, field.domain() or ()))
    for combination in model.row_combinations():
        for extra in _product(domains):
            key = {**combination, **extra}
            if model.allows(key):
                yield key


def _product(domains: list[tuple[str, tuple[str, ...]]]) -> Iterator[dict[str, str]]:
    if not domains:
        yield {}
        return
    (name, values), rest = domains[0], domains[1:]
    for value in values:
        for tail in _product(rest):
            yield {name: value, **tail}


def model_price_rows(model: ModelSpec, policy: PricingPolicy) -> list[PriceRow]:
    rows = []
    for key in sku_keys(model):
        credits = sku_credits(model, key)
        price = price_in_kopecks(model, credits, policy)
        rows.append(PriceRow(model.id, sku_name(model, key), credits, price))
    return rows


def price_list(catalog: Catalog, policy: PricingPolicy) -> list[PriceRow]:
    return [row for model in catalog for row in model_price_rows(model, policy)]


def price_range(model: ModelSpec, policy: PricingPolicy) -> tuple[Kopecks, Kopecks]:
    """Cheapest and dearest SKU, for the model card ("from 48 ₽")."""
    prices = [row.price for row in model_price_rows(model, policy)]
    return min(prices), max(prices)
