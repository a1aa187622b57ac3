"""The model catalog: what TRT sells, each model's inputs, and its cost in KIE credits.

The catalog is one YAML file shipped in the package (`trt/data/catalog.yaml`), parsed into frozen
pydantic models. Loading checks the invariants the rest of the program relies on:

* model ids and deep-link slugs are unique; field names are unique within a model, and `fixed`
  KIE fields never collide with a user field;
* every enum default is one of its options and every numeric default is within its range;
* every priced field is required or has a default, and every combination of priced values KIE
  allows (everything not matched by a `forbid` rule) matches exactly one price row; a paid
  model has no zero-credit row.

Price model: a SKU's credits are `row credits x multipliers`, where a row is chosen by the values
of the priced enum/bool fields (or a flat `credits`), and a multiplier scales by a field's
numeric value (per second), by started units of characters (per 1000 characters), or by a
factor per option (per megapixel of a named size).
"""

import itertools
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from typing import Any, Literal, Self

import yaml
from pydantic import Field, ValidationError, model_validator

from trt.domain.errors import TrtError
from trt.domain.families import ApiFamily
from trt.domain.fields import (
    IMAGE_MIME_TYPES,
    MEGABYTE,
    Encoding,
    FieldType,
    Frozen,
    InputField,
    Localized,
    Option,
    Scalar,
    canonical,
    is_number,
)

# The field vocabulary is re-exported: callers know models and their fields from one place.
__all__ = [
    "IMAGE_MIME_TYPES",
    "MEGABYTE",
    "Catalog",
    "CatalogError",
    "Category",
    "Encoding",
    "FieldType",
    "InputField",
    "Localized",
    "ModelSpec",
    "ModelUnavailable",
    "MultiplierKind",
    "Option",
    "ResultKind",
    "UnknownModel",
    "canonical",
    "load_catalog",
    "parse_catalog",
]


class Category(StrEnum):
    """Menu sections, in the order the bot shows them."""

    IMAGE = "image"
    EDIT = "edit"
    ENHANCE = "enhance"
    VIDEO = "video"
    MUSIC = "music"
    SPEECH = "speech"


class ResultKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


class MultiplierKind(StrEnum):
    VALUE = "value"  # x the field's numeric value (credits per second of duration)
    LENGTH = "length"  # x started units of `unit` characters of a text field
    FACTOR = "factor"  # x factors[option] (credits per megapixel of a named size)


class CatalogError(ValueError):
    """The catalog file is missing, unreadable or breaks an invariant."""


class UnknownModel(TrtError, KeyError):
    """No model with this id or slug (e.g. a button from an older catalog)."""

    message_key = "error-unknown-model"


class ModelUnavailable(UnknownModel):
    """A model the operator switched off: known, but not offered now (see `with_disabled`)."""

    message_key = "error-model-unavailable"


class PriceRow(Frozen):
    """Credits for one combination of priced enum/bool values (before multipliers)."""

    when: dict[str, str]
    credits: Decimal = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _canonical_when(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("when"), dict):
            return {**data, "when": {k: canonical(v) for k, v in data["when"].items()}}
        return data


class Multiplier(Frozen):
    field: str
    per: MultiplierKind
    unit: int = Field(default=1, ge=1)
    factors: dict[str, Decimal] = Field(default_factory=dict)


class Price(Frozen):
    credits: Decimal | None = Field(default=None, ge=0)
    rows: tuple[PriceRow, ...] = ()
    multipliers: tuple[Multiplier, ...] = ()

    @model_validator(mode="after")
    def _one_base(self) -> Self:
        if (self.credits is None) == (not self.rows):
            raise ValueError("a price has either flat `credits` or `rows`, not both or neither")
        return self

    @property
    def row_fields(self) -> tuple[str, ...]:
        return tuple(self.rows[0].when) if self.rows else ()

    def base_credits(self, combination: Mapping[str, str]) -> list[Decimal]:
        """Credits of every row matching the combination (one, in a valid catalog)."""
        if self.credits is not None:
            return [self.credits]
        return [
            row.credits
            for row in self.rows
            if all(combination.get(k) == v for k, v in row.when.items())
        ]


class ModelSpec(Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kie_model: str = Field(min_length=1)
    family: ApiFamily
    category: Category
    slug: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    title: Localized
    description: Localized
    result: ResultKind
    deadline_seconds: int = Field(ge=60, le=4 * 3600)
    free: bool = False
    popular: bool = False  # shown in the menu's "Popular" section
    fixed: dict[str, Scalar] = Field(default_factory=dict)
    fields: tuple[InputField, ...] = Field(min_length=1)
    forbid: tuple[dict[str, str], ...] = ()
    price: Price

    @model_validator(mode="before")
    @classmethod
    def _canonical_forbid(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("forbid"), list):
            rules = [{k: canonical(v) for k, v in rule.items()} for rule in data["forbid"]]
            return {**data, "forbid": rules}
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems = _model_problems(self)
        if problems:
            raise ValueError(f"model {self.id!r}: " + "; ".join(problems))
        return self

    def field(self, name: str) -> InputField:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(f"model {self.id!r} has no field {name!r}")

    def has_field(self, name: str) -> bool:
        return any(field.name == name for field in self.fields)

    @property
    def priced_fields(self) -> tuple[InputField, ...]:
        return tuple(field for field in self.fields if field.priced)

    def allows(self, values: Mapping[str, str]) -> bool:
        """False when the canonical values match a combination KIE rejects."""
        return not any(all(values.get(k) == v for k, v in rule.items()) for rule in self.forbid)

    def row_combinations(self) -> Iterator[dict[str, str]]:
        """Every allowed combination of the fields that select a price row."""
        names = self.price.row_fields
        domains = [self.field(name).domain() or () for name in names]
        for values in itertools.product(*domains):
            combination = dict(zip(names, values, strict=True))
            if self.allows(combination):
                yield combination


def _model_problems(model: ModelSpec) -> list[str]:
    problems: list[str] = []
    names = [field.name for field in model.fields]
    kie_keys = [field.kie_key for field in model.fields]
    if len(set(names)) != len(names) or len(set(kie_keys)) != len(kie_keys):
        problems.append("field names and kie names must be unique")
    if clash := sorted(set(model.fixed) & set(kie_keys)):
        problems.append(f"fixed fields {clash} collide with user fields")
    for rule in model.forbid:
        for name, value in rule.items():
            domain = model.field(name).domain() if model.has_field(name) else ()
            if domain is not None and value not in domain:
                problems.append(f"forbid rule {rule} names an unknown field or value")
    return problems or _price_problems(model)


def _price_problems(model: ModelSpec) -> list[str]:
    price = model.price
    row_fields = price.row_fields
    used = set(row_fields) | {multiplier.field for multiplier in price.multipliers}
    problems = [
        f"rows must all name {list(row_fields)}"
        for row in price.rows
        if set(row.when) != set(row_fields)
    ]
    if used != {field.name for field in model.priced_fields}:
        problems.append(
            f"fields marked priced must be exactly those the price uses: {sorted(used)}"
        )
    for field in model.priced_fields:
        if not field.required and field.default is None:
            problems.append(f"priced field {field.name!r} needs a default or must be required")
    for name in row_fields:
        if not model.has_field(name) or model.field(name).type not in (
            FieldType.ENUM,
            FieldType.BOOL,
        ):
            problems.append(f"price row field {name!r} must be an enum or bool field")
    for multiplier in price.multipliers:
        problems.extend(_multiplier_problems(model, multiplier))
    return problems or _coverage_problems(model)


def _multiplier_problems(model: ModelSpec, multiplier: Multiplier) -> list[str]:
    if not model.has_field(multiplier.field):
        return [f"multiplier names unknown field {multiplier.field!r}"]
    field = model.field(multiplier.field)
    if multiplier.per is MultiplierKind.VALUE:
        domain = field.domain() or ()
        numeric = all(is_number(value) and Decimal(value) > 0 for value in domain)
        if field.type not in (FieldType.INT, FieldType.ENUM) or not domain or not numeric:
            return [f"{field.name!r}: per-value pricing needs a bounded, positive numeric field"]
    if multiplier.per is MultiplierKind.LENGTH and field.type is not FieldType.TEXT:
        return [f"{field.name!r}: per-length pricing needs a text field"]
    if multiplier.per is MultiplierKind.FACTOR and (
        set(multiplier.factors) != set(field.option_values)
        or any(factor <= 0 for factor in multiplier.factors.values())
    ):
        return [f"{field.name!r}: factors must give a positive factor for every option"]
    return []


def _coverage_problems(model: ModelSpec) -> list[str]:
    problems = []
    for combination in model.row_combinations():
        matches = model.price.base_credits(combination)
        if len(matches) != 1:
            problems.append(f"{len(matches)} price rows match {combination}, not 1")
        elif not model.free and matches[0] <= 0:
            problems.append(f"a paid model costs 0 credits for {combination}")
    return problems


class CatalogFile(Frozen):
    version: Literal[1]
    anchors: object = None  # YAML anchors shared by entries; not read
    models: tuple[ModelSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        for attribute in ("id", "slug"):
            seen = [getattr(model, attribute) for model in self.models]
            duplicates = sorted({value for value in seen if seen.count(value) > 1})
            if duplicates:
                raise ValueError(f"duplicate model {attribute}s: {', '.join(duplicates)}")
        return self


class Catalog:
    """The loaded catalog: lookups by id and slug, categories in menu order.

    A catalog may hold models the operator switched off (`with_disabled`): they are left out of
    every list, search and iteration, and `get`/`by_slug` raise ModelUnavailable for them;
    `describe` still finds them (past jobs keep their titles).
    """

    __slots__ = ("_all", "_by_id", "_by_slug", "_disabled", "_models")

    def __init__(self, models: Iterable[ModelSpec], *, disabled: Iterable[str] = ()) -> None:
        self._all = tuple(models)
        self._by_id = {model.id: model for model in self._all}
        self._by_slug = {model.slug: model for model in self._all}
        if len(self._by_id) != len(self._all) or len(self._by_slug) != len(self._all):
            raise CatalogError("model ids and slugs must be unique")
        self._disabled = frozenset(disabled) & self._by_id.keys()
        self._models = tuple(model for model in self._all if model.id not in self._disabled)

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self._models)

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._by_id and model_id not in self._disabled

    def without(self, family: ApiFamily) -> "Catalog":
        """The catalog minus one API family (e.g. one that needs callbacks we cannot get)."""
        kept = (model for model in self._all if model.family is not family)
        return Catalog(kept, disabled=self._disabled)

    def with_disabled(self, model_ids: Iterable[str]) -> "Catalog":
        """The same models with exactly `model_ids` switched off (unknown ids are ignored)."""
        return Catalog(self._all, disabled=model_ids)

    @property
    def disabled(self) -> frozenset[str]:
        return self._disabled

    def describe(self, model_id: str) -> ModelSpec | None:
        """The model's spec whether or not it is offered now; None for an unknown id."""
        return self._by_id.get(model_id)

    def get(self, model_id: str) -> ModelSpec:
        return self._offered(self._by_id.get(model_id), model_id)

    def by_slug(self, slug: str) -> ModelSpec:
        return self._offered(self._by_slug.get(slug), slug)

    def _offered(self, model: ModelSpec | None, key: str) -> ModelSpec:
        if model is None:
            raise UnknownModel(key)
        if model.id in self._disabled:
            raise ModelUnavailable(model.id)
        return model

    def categories(self) -> list[Category]:
        present = {model.category for model in self._models}
        return [category for category in Category if category in present]

    def models_in(self, category: Category | str) -> list[ModelSpec]:
        return [model for model in self._models if model.category == category]

    def free_models(self) -> list[ModelSpec]:
        return [model for model in self._models if model.free]

    def popular_models(self) -> list[ModelSpec]:
        return [model for model in self._models if model.popular]

    def search(self, query: str) -> list[ModelSpec]:
        """Models whose id, titles or descriptions contain every word of `query` (any case)."""
        words = query.casefold().split()
        if not words:
            return []
        found = []
        for model in self._models:
            haystack = " ".join(
                (
                    model.id,
                    model.kie_model,
                    model.category.value,
                    model.title.ru,
                    model.title.en,
                    model.description.ru,
                    model.description.en,
                )
            ).casefold()
            if all(word in haystack for word in words):
                found.append(model)
        return found


def parse_catalog(text: str) -> Catalog:
    """Parse and check catalog YAML; raise CatalogError with every problem found."""
    try:
        data = yaml.safe_load(text)
        parsed = CatalogFile.model_validate(data)
    except yaml.YAMLError as exc:
        raise CatalogError(f"catalog is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise CatalogError(f"catalog is invalid: {exc}") from exc
    return Catalog(parsed.models)


def load_catalog() -> Catalog:
    """Read the packaged catalog file. Callers keep the result; nothing is cached here."""
    resource = resources.files("trt").joinpath("data").joinpath("catalog.yaml")
    try:
        text = resource.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"cannot read the catalog file: {exc}") from exc
    return parse_catalog(text)
