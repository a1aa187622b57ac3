"""The wizard's texts: every step of every catalog model has a hint with its limits, every
validation problem an explanation, in both languages."""

import re
from datetime import UTC, datetime

import pytest

from trt.bot.texts import LANGUAGES, Texts, load_translations, source
from trt.bot.wizard import render
from trt.domain.catalog import FieldType, InputField, ModelSpec, load_catalog
from trt.domain.inputs import MediaInput, Problem, ProblemCode, validate, validate_value
from trt.domain.quota import QuotaStatus

CATALOG = load_catalog()
TRANSLATIONS = load_translations()
FIELDS = [(model, field) for model in CATALOG for field in model.fields]


def texts(language: str) -> Texts:
    return TRANSLATIONS[language]


def field(model_id: str, name: str) -> InputField:
    return CATALOG.get(model_id).field(name)


def test_both_languages_define_the_same_keys() -> None:
    keys = {lang: set(re.findall(r"^([a-zA-Z][\w-]*) =", source(lang), re.M)) for lang in LANGUAGES}
    assert keys["ru"] == keys["en"]
    assert {f"problem-{code.value}" for code in ProblemCode} <= keys["en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_step_of_the_catalog_renders_a_hint(language: str) -> None:
    t = texts(language)
    for model, spec in FIELDS:
        text = render.step_text(t, model, spec, step=(1, 2), current=None)
        assert model.title.text(language) in text
        assert "{" not in text


@pytest.mark.parametrize(
    ("model_id", "name", "expected"),
    [
        ("z-image", "prompt", "✍️ Prompt: send a message, up to 1000 characters."),
        ("z-image", "aspect_ratio", "Aspect ratio: choose an option."),
        ("grok-imagine", "enable_pro", "Quality mode: yes or no?"),
        ("qwen-t2i", "guidance_scale", "Prompt guidance: send a number from 0 to 20."),
        ("qwen-t2i", "seed", "Seed: send a whole number from 0 to 2147483647."),
        (
            "seedance-1-5-pro",
            "duration",
            "Duration: choose a value or send a number from 4 to 12.",
        ),
        (
            "qwen-edit",
            "image",
            "🖼 Image: send a photo or an image file (JPEG, PNG, WEBP, up to 10 MB).",
        ),
        (
            "nano-banana-edit",
            "images",
            "🖼 Images: send 1 to 10 photos or image files (JPEG, PNG, WEBP, up to 10 MB "
            "each). An album works too.",
        ),
    ],
)
def test_a_hint_names_the_limits(model_id: str, name: str, expected: str) -> None:
    spec = field(model_id, name)
    text = render.step_text(texts("en"), CATALOG.get(model_id), spec, step=None, current=None)
    assert expected in text


def test_an_optional_step_says_so_and_shows_the_current_value() -> None:
    model = CATALOG.get("qwen-edit")
    text = render.step_text(
        texts("ru"), model, model.field("image_size"), step=None, current="landscape_4_3"
    )
    assert "Необязательно" in text
    assert "Сейчас: " in text


def problems_for(spec: InputField, raw: object) -> tuple[Problem, ...]:
    check = validate_value(spec, raw)
    assert check.problems, f"{raw!r} should not fit {spec.name}"
    return check.problems


PHOTO = MediaInput(ref="f", mime_type="image/jpeg", size=1000)
CASES = [
    (field("z-image", "prompt"), "x" * 1001, "too long: 1001 characters, at most 1000."),
    (field("qwen-t2i", "guidance_scale"), "25", "the value must be from 0 to 20."),
    (field("qwen-t2i", "guidance_scale"), "lots", "“lots” is not a number."),
    (field("qwen-t2i", "seed"), "1.5", "“1.5” is not a number."),
    (field("z-image", "aspect_ratio"), "2:1", "“2:1” is not one of the options"),
    (field("grok-imagine", "enable_pro"), "maybe", "answer yes or no."),
    (
        field("qwen-edit", "image"),
        MediaInput(ref="f", mime_type="application/pdf", size=10),
        "a file of type application/pdf is not accepted; send JPEG, PNG, WEBP.",
    ),
    (
        field("qwen-edit", "image"),
        MediaInput(ref="f", mime_type="image/png", size=15 * 1024 * 1024 + 1),
        "the file is 15 MB, the limit is 10 MB.",
    ),
    (field("veo-3-1-fast-i2v", "images"), [PHOTO] * 3, "3 files, at most 2."),
    (field("z-image", "prompt"), " ", "this field is required."),
]


@pytest.mark.parametrize(("spec", "raw", "expected"), CASES)
def test_a_problem_is_explained(spec: InputField, raw: object, expected: str) -> None:
    model = next(m for m in CATALOG if spec in m.fields)
    [problem] = problems_for(spec, raw)
    text = render.problem_text(texts("en"), model, problem)
    assert text.startswith("⚠️ ")
    assert expected in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", list(ProblemCode))
def test_every_problem_code_has_a_text(language: str, code: ProblemCode) -> None:
    model = CATALOG.get("qwen-t2i")
    params: dict[str, str | int | float] = {
        "min": 1,
        "max": 2,
        "length": 3,
        "value": "v",
        "step": 1,
        "count": 4,
        "mime_type": "text/plain",
        "accepted": "image/png",
        "size": 5,
        "max_bytes": 4,
        "line": 2,
        "name": "Bob",
        "speakers": "Brian, Bella",
    }
    if code is ProblemCode.COMBINATION_NOT_ALLOWED:
        params = {"image_size": "square_hd"}
    text = render.problem_text(texts(language), model, Problem("prompt", code, params))
    assert "{" not in text


def test_a_range_open_on_one_side_names_only_that_bound() -> None:
    model = CATALOG.get("qwen-t2i")
    problem = Problem("seed", ProblemCode.OUT_OF_RANGE, {"min": 0})
    assert "at least 0" in render.problem_text(texts("en"), model, problem)


def summary_of(model: ModelSpec, values: dict[str, object], language: str = "en") -> str:
    checked = validate(model, values)
    return render.summary_text(
        texts(language), model, values, price_line="PRICE", problems=checked.problems
    )


def test_the_summary_lists_every_field_with_its_value() -> None:
    model = CATALOG.get("qwen-t2i")
    text = summary_of(model, {"prompt": "a cat " * 30, "image_size": "square_hd", "seed": 7})
    lines = text.splitlines()
    assert lines[0] == "🧾 Qwen Image — check and confirm:"
    assert "• Image size: Square HD" in lines
    assert "• Negative prompt: —" in lines
    assert "• Seed: 7" in lines
    prompt = next(line for line in lines if line.startswith("• Prompt: "))
    assert prompt.endswith("…")
    assert len(prompt) == len("• Prompt: ") + render.TEXT_PREVIEW
    assert lines[-1] == "PRICE"


def test_files_and_flags_read_naturally_in_russian() -> None:
    t = texts("ru")
    images = field("nano-banana-edit", "images")
    assert render.value_text(t, images, (PHOTO, PHOTO)) == "2 файла"
    assert render.value_text(t, images, (PHOTO,) * 5) == "5 файлов"
    assert render.value_text(t, field("grok-imagine", "enable_pro"), True) == "да"
    assert render.value_text(t, field("qwen-t2i", "guidance_scale"), 7.5) == "7.5"


def test_price_and_free_lines() -> None:
    t = texts("en")
    assert render.price_line(t, price=4800, balance=100) == "💳 Price: 48 ₽ · your balance: 1 ₽"
    resets = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    assert render.free_line(t, QuotaStatus(used=2, limit=5, resets_at=resets)) == (
        "🆓 Free: 3 of 5 left today"
    )
    assert "reset at 00:00 (Moscow time)" in render.free_line(
        t, QuotaStatus(used=5, limit=5, resets_at=resets)
    )
    assert render.no_money_text(t, needed=4800, available=1000, missing=3800) == (
        "Not enough money: the price is 48 ₽, your balance 10 ₽, missing 38 ₽."
    )
    assert render.quota_exhausted_text(t, limit=5, resets_at=resets) == (
        "You have used all 5 free generations for today; they reset at 00:00 (Moscow time)."
    )


def test_every_field_type_is_covered_by_the_catalog() -> None:
    assert {spec.type for _, spec in FIELDS} == set(FieldType)
