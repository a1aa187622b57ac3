import copy
import re
from typing import Any

import pytest
import yaml

from trt.domain.catalog import (
    Catalog,
    CatalogError,
    Category,
    FieldType,
    ResultKind,
    UnknownModel,
    load_catalog,
    parse_catalog,
)
from trt.domain.errors import TrtError
from trt.domain.families import ApiFamily

CATALOG = load_catalog()
ENUM_FIELDS = [
    pytest.param(model, field, id=f"{model.id}.{field.name}")
    for model in CATALOG
    for field in model.fields
    if field.type is FieldType.ENUM
]
FREE_KIE_MODELS = {"z-image", "qwen/text-to-image", "qwen/image-to-image", "qwen/image-edit"}
RESULT_OF = {
    Category.IMAGE: ResultKind.IMAGE,
    Category.EDIT: ResultKind.IMAGE,
    Category.ENHANCE: ResultKind.IMAGE,
    Category.VIDEO: ResultKind.VIDEO,
    Category.MUSIC: ResultKind.AUDIO,
    Category.SPEECH: ResultKind.AUDIO,
}
DEADLINE_RANGE = {
    Category.IMAGE: (300, 900),
    Category.EDIT: (300, 900),
    Category.ENHANCE: (300, 900),
    Category.VIDEO: (1200, 2400),
    Category.MUSIC: (600, 1200),
    Category.SPEECH: (300, 900),
}


def test_the_packaged_catalog_offers_at_least_55_models(catalog: Catalog) -> None:
    assert len(catalog) >= 55
    assert len(list(catalog)) == len(catalog)


def test_exactly_the_four_documented_free_models_are_free(catalog: Catalog) -> None:
    assert {model.kie_model for model in catalog.free_models()} == FREE_KIE_MODELS
    assert all(model.family is ApiFamily.MARKET for model in catalog.free_models())


def test_ids_and_slugs_are_unique_and_well_formed(catalog: Catalog) -> None:
    ids = [model.id for model in catalog]
    slugs = [model.slug for model in catalog]
    assert len(set(ids)) == len(ids)
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,40}", slug) for slug in slugs)


def test_categories_come_in_menu_order_and_cover_every_model(catalog: Catalog) -> None:
    assert catalog.categories() == list(Category)
    assert sum(len(catalog.models_in(c)) for c in catalog.categories()) == len(catalog)


@pytest.mark.parametrize("model", list(CATALOG), ids=lambda m: m.id)
def test_result_kind_and_deadline_fit_the_category(model: Any) -> None:
    low, high = DEADLINE_RANGE[model.category]
    assert model.result is RESULT_OF[model.category]
    assert low <= model.deadline_seconds <= high


@pytest.mark.parametrize("model", list(CATALOG), ids=lambda m: m.id)
def test_every_model_has_texts_in_both_languages(model: Any) -> None:
    for text in (model.title, model.description):
        assert text.text("ru").strip()
        assert text.text("en").strip()


@pytest.mark.parametrize(("model", "field"), ENUM_FIELDS)
def test_every_enum_default_is_among_its_options(model: Any, field: Any) -> None:
    assert field.options
    assert field.default is None or field.default in field.option_values


def test_families_use_their_documented_model_names(catalog: Catalog) -> None:
    veo = {m.kie_model for m in catalog if m.family is ApiFamily.VEO}
    suno = {m.kie_model for m in catalog if m.family is ApiFamily.SUNO}
    assert veo == {"veo3", "veo3_fast", "veo3_lite"}
    assert suno <= {"V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5"}
    assert all(m.category is Category.MUSIC for m in catalog if m.family is ApiFamily.SUNO)


def test_lookup_by_id_and_slug(catalog: Catalog) -> None:
    model = catalog.get("kling-2-6-t2v")
    assert model.kie_model == "kling-2.6/text-to-video"
    assert catalog.by_slug(model.slug) is model
    assert "kling-2-6-t2v" in catalog
    assert model in catalog.models_in(Category.VIDEO)


@pytest.mark.parametrize("lookup", ["get", "by_slug"])
def test_an_unknown_model_raises_a_key_error_with_a_message_key(
    catalog: Catalog, lookup: str
) -> None:
    with pytest.raises(UnknownModel) as caught:
        getattr(catalog, lookup)("no-such-model")
    assert isinstance(caught.value, KeyError)
    assert isinstance(caught.value, TrtError)
    assert caught.value.message_key == "error-unknown-model"


# A small valid file; each case below breaks one invariant and must be refused.
VALID_MODEL: dict[str, Any] = {
    "id": "demo",
    "kie_model": "demo/video",
    "family": "market",
    "category": "video",
    "slug": "demo",
    "title": {"ru": "Демо", "en": "Demo"},
    "description": {"ru": "Демо", "en": "Demo"},
    "result": "video",
    "deadline_seconds": 1800,
    "fields": [
        {"name": "prompt", "type": "text", "required": True, "max_length": 100},
        {
            "name": "duration",
            "type": "enum",
            "default": "5",
            "priced": True,
            "options": ["5", "10"],
        },
        {"name": "hd", "type": "bool", "default": False, "priced": True},
    ],
    "forbid": [{"duration": "10", "hd": True}],
    "price": {
        "rows": [
            {"when": {"duration": "5", "hd": False}, "credits": 10},
            {"when": {"duration": "5", "hd": True}, "credits": 20},
            {"when": {"duration": "10", "hd": False}, "credits": 20},
        ]
    },
}


def _catalog_text(*models: dict[str, Any]) -> str:
    return yaml.safe_dump({"version": 1, "models": list(models)}, allow_unicode=True)


def _broken(path: str, value: Any) -> dict[str, Any]:
    model = copy.deepcopy(VALID_MODEL)
    target: Any = model
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is _DELETE:
        del target[int(last) if last.isdigit() else last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return model


_DELETE = object()


def test_the_demo_file_is_valid() -> None:
    catalog = parse_catalog(_catalog_text(VALID_MODEL))
    assert [m.id for m in catalog] == ["demo"]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("slug", "has space", "slug"),
        ("slug", "x" * 41, "slug"),
        ("family", "luma", "family"),
        ("fields.1.default", "7", "not an option"),
        ("fields.0.max_length", _DELETE, "max_length"),
        ("fields.0.default", "x", "required field takes no default"),
        ("price.rows.2", _DELETE, "0 price rows match"),
        ("price.rows.1.credits", 0, "costs 0 credits"),
        ("fields.2.priced", False, "priced"),
        ("fields.1.default", None, "needs a default"),
        ("forbid", [{"speed": "fast"}], "forbid"),
        ("fixed", {"prompt": "x"}, "collide"),
        ("fields.1.encode", "list", "encoding"),
    ],
)
def test_an_invalid_model_is_refused_with_a_clear_message(
    path: str, value: Any, message: str
) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_catalog(_catalog_text(_broken(path, value)))


def test_duplicate_ids_are_refused() -> None:
    other = {**copy.deepcopy(VALID_MODEL), "slug": "other"}
    with pytest.raises(CatalogError, match="duplicate model ids"):
        parse_catalog(_catalog_text(VALID_MODEL, other))


def test_a_row_for_a_forbidden_combination_is_not_required_and_a_free_model_may_cost_0() -> None:
    free = _broken("price.rows.0.credits", 0)
    free["free"] = True
    assert parse_catalog(_catalog_text(free)).free_models()


def test_yaml_errors_become_catalog_errors() -> None:
    with pytest.raises(CatalogError, match="YAML"):
        parse_catalog("version: [1")


def test_a_family_can_be_left_out(catalog: Catalog) -> None:
    without_suno = catalog.without(ApiFamily.SUNO)
    assert len(without_suno) == len(catalog) - sum(m.family is ApiFamily.SUNO for m in catalog)
    assert all(model.family is not ApiFamily.SUNO for model in without_suno)
    assert "z-image" in without_suno


def test_popular_models_are_a_short_paid_and_free_mix(catalog: Catalog) -> None:
    popular = catalog.popular_models()
    assert 5 <= len(popular) <= 12
    assert any(model.free for model in popular)
    assert {model.category for model in popular} >= {Category.IMAGE, Category.VIDEO}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("veo", "veo-3-1-fast-t2v"),
        ("Kling 2.6", "kling-2-6-t2v"),
        ("бесплатн", "z-image"),
        ("SUNO", "suno-v5"),
        ("remove background", "remove-background"),
    ],
)
def test_search_finds_models_by_name_and_description(
    catalog: Catalog, query: str, expected: str
) -> None:
    assert expected in [model.id for model in catalog.search(query)]


def test_search_for_nothing_or_nonsense_finds_nothing(catalog: Catalog) -> None:
    assert catalog.search("   ") == []
    assert catalog.search("zzzz-no-such-thing") == []
