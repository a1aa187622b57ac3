"""`trt catalog prices` and `trt catalog check`: the price list and a check of the catalog file.

The pricing policy comes from USD_PER_CREDIT, RUB_PER_USD and PRICE_MARKUP (read here only,
for this command), with the same defaults as `PricingPolicy`. The domain (pydantic, yaml) is
imported when a command runs, so registering the parser stays cheap for `trt run`.
"""

import argparse
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trt.domain.catalog import Catalog
    from trt.domain.pricing import PriceRow, PricingPolicy

POLICY_VARIABLES = {
    "usd_per_credit": "USD_PER_CREDIT",
    "rub_per_usd": "RUB_PER_USD",
    "markup": "PRICE_MARKUP",
}


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("catalog", help="inspect the model catalog")
    commands = parser.add_subparsers(dest="catalog_command", required=True)
    prices = commands.add_parser("prices", help="print every model's SKUs with credits and rubles")
    prices.set_defaults(handler=print_prices)
    check = commands.add_parser("check", help="validate the catalog file and print a summary")
    check.set_defaults(handler=check_catalog)


def policy_from_env(environ: Mapping[str, str]) -> "PricingPolicy":
    from decimal import Decimal, InvalidOperation

    from trt.domain.pricing import PricingPolicy

    defaults = PricingPolicy()
    values: dict[str, Decimal] = {}
    for attribute, variable in POLICY_VARIABLES.items():
        raw = environ.get(variable)
        try:
            values[attribute] = Decimal(raw) if raw else getattr(defaults, attribute)
        except InvalidOperation:
            raise ValueError(f"{variable}={raw!r} is not a number") from None
    return PricingPolicy(
        usd_per_credit=values["usd_per_credit"],
        rub_per_usd=values["rub_per_usd"],
        markup=values["markup"],
    )


def print_prices(args: argparse.Namespace) -> int:
    from trt.domain import pricing
    from trt.domain.catalog import CatalogError, load_catalog

    try:
        policy = policy_from_env(os.environ)
        catalog = load_catalog()
    except (CatalogError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = pricing.price_list(catalog, policy)
    table = [("model", "SKU", "credits", "₽")]
    table += [(r.model_id, r.options or "-", f"{r.credits.normalize():f}", _rub(r)) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines = [
        f"{m:<{widths[0]}}  {sku:<{widths[1]}}  {c:>{widths[2]}}  {p:>{widths[3]}}"
        for m, sku, c, p in table
    ]
    lines.append(
        f"\n{len(rows)} SKUs; 1 credit = {policy.usd_per_credit} USD, 1 USD = "
        f"{policy.rub_per_usd} RUB, markup x{policy.markup}"
    )
    try:
        print("\n".join(lines))
    except BrokenPipeError:
        # The reader (e.g. `head`) stopped early; silence the flush at exit too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _rub(row: "PriceRow") -> str:
    from trt.domain.money import format_rub

    return format_rub(row.price) if row.price else "free"


def check_catalog(args: argparse.Namespace) -> int:
    from trt.domain import pricing
    from trt.domain.catalog import CatalogError, load_catalog

    try:
        policy = policy_from_env(os.environ)
        catalog = load_catalog()
        problems = sample_problems(catalog, policy)
    except (CatalogError, ValueError) as exc:
        print(f"catalog check failed: {exc}", file=sys.stderr)
        return 1
    if problems:
        for problem in problems:
            print(f"catalog check failed: {problem}", file=sys.stderr)
        return 1
    skus = pricing.price_list(catalog, policy)
    print(
        f"catalog OK: {len(catalog)} models in {len(catalog.categories())} categories "
        f"({len(catalog.free_models())} free), {len(skus)} SKUs"
    )
    return 0


def sample_problems(catalog: "Catalog", policy: "PricingPolicy") -> list[str]:
    """Checks beyond the file schema: a sample input per model validates, builds and prices."""
    from trt.domain import inputs, pricing

    problems = []
    for model in catalog:
        checked = inputs.validate(model, inputs.minimal_values(model))
        if not checked.ok:
            codes = ", ".join(f"{p.field}:{p.code}" for p in checked.problems)
            problems.append(f"{model.id}: sample values do not validate ({codes})")
            continue
        uploaded = {inputs.SAMPLE_IMAGE.ref: "https://example.invalid/sample.png"}
        inputs.build_kie_fields(model, checked.values, uploaded)
        quote = pricing.quote(model, checked.values, policy)
        if not model.free and quote.price <= 0:
            problems.append(f"{model.id}: a paid model is quoted at {quote.price} kopecks")
    return problems
