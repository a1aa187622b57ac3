import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trt.domain import inputs
from trt.domain.catalog import Catalog, FieldType, ModelSpec, load_catalog
from trt.domain.inputs import InvalidValues, MediaInput, Problem, ProblemCode

CATALOG = load_catalog()
MODELS = list(CATALOG)
PHOTO = MediaInput(ref="photo-1", mime_type="image/jpeg", size=200_000, file_name="cat.jpg")
PHOTO_2 = MediaInput(ref="photo-2", mime_type="image/png", size=300_000)
URLS = {"photo-1": "https://files.example/cat.jpg", "photo-2": "https://files.example/dog.png"}
URLS[inputs.SAMPLE_IMAGE.ref] = "https://files.example/sample.png"


def _build(catalog: Catalog, model_id: str, values: dict[str, Any]) -> dict[str, object]:
    return inputs.build_kie_fields(catalog.get(model_id), values, URLS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.id)
def test_minimal_values_validate_and_build_for_every_model(model: ModelSpec) -> None:
    checked = inputs.validate(model, inputs.minimal_values(model))
    assert checked.ok, checked.problems
    fields = inputs.build_kie_fields(model, checked.values, URLS)
    required = {f.kie_key for f in model.fields if f.required}
    assert required <= fields.keys()
    assert model.fixed.items() <= fields.items()
    assert "model" not in fields
    assert "callBackUrl" not in fields


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.id)
def test_minimal_values_use_the_sample_image_for_image_fields(model: ModelSpec) -> None:
    values = inputs.minimal_values(model)
    for field in model.fields:
        if field.required and field.type is FieldType.IMAGE:
            assert values[field.name] == inputs.SAMPLE_IMAGE
        if field.required and field.type is FieldType.IMAGES:
            assert values[field.name] == [inputs.SAMPLE_IMAGE] * field.min_count


# Expected request fields, field by field, as REFERENCE §7 documents them.
@pytest.mark.parametrize(
    ("model_id", "values", "expected"),
    [
        ("z-image", {"prompt": "a cat"}, {"prompt": "a cat", "aspect_ratio": "1:1"}),
        (
            "qwen-edit",
            {"prompt": "make it blue", "image": PHOTO},
            {"prompt": "make it blue", "image_url": URLS["photo-1"], "image_size": "landscape_4_3"},
        ),
        (
            "nano-banana-edit",
            {"prompt": "merge", "images": [PHOTO, PHOTO_2], "output_format": "jpeg"},
            {
                "prompt": "merge",
                "image_urls": [URLS["photo-1"], URLS["photo-2"]],
                "aspect_ratio": "auto",
                "output_format": "jpeg",
            },
        ),
        (
            "kling-2-6-t2v",
            {"prompt": "a cat runs", "duration": "5", "sound": "true"},
            {"prompt": "a cat runs", "sound": True, "aspect_ratio": "16:9", "duration": "5"},
        ),
        (
            "kling-2-6-i2v",
            {"prompt": "a cat runs", "image": PHOTO, "duration": 10},
            {
                "prompt": "a cat runs",
                "image_urls": [URLS["photo-1"]],
                "sound": False,
                "duration": "10",
            },
        ),
        (
            "seedance-1-5-pro",
            {"prompt": "waves", "duration": "8", "images": [PHOTO]},
            {
                "prompt": "waves",
                "input_urls": [URLS["photo-1"]],
                "aspect_ratio": "1:1",
                "resolution": "720p",
                "duration": 8,
                "generate_audio": False,
                "fixed_lens": False,
            },
        ),
        (
            "veo-3-1-fast-i2v",
            {"prompt": "a dog in a park", "images": [PHOTO, PHOTO_2], "duration": "6"},
            {
                "prompt": "a dog in a park",
                "imageUrls": [URLS["photo-1"], URLS["photo-2"]],
                "aspectRatio": "16:9",
                "resolution": "720p",
                "duration": 6,
                "generationType": "FIRST_AND_LAST_FRAMES_2_VIDEO",
            },
        ),
        (
            "veo-3-1-t2v",
            {"prompt": "a dog", "aspect_ratio": "9:16"},
            {
                "prompt": "a dog",
                "aspectRatio": "9:16",
                "resolution": "720p",
                "duration": 8,
                "generationType": "TEXT_2_VIDEO",
            },
        ),
        (
            "suno-v5",
            {"prompt": "a calm piano song", "instrumental": True},
            {"prompt": "a calm piano song", "instrumental": True, "customMode": False},
        ),
        (
            "suno-v5-custom",
            {"lyrics": "[Verse] la la", "style": "jazz", "title": "La", "vocal_gender": "f"},
            {
                "prompt": "[Verse] la la",
                "style": "jazz",
                "title": "La",
                "vocalGender": "f",
                "customMode": True,
                "instrumental": False,
            },
        ),
        (
            "suno-v4-custom",
            {"lyrics": "[Chorus] oh", "style": "rock", "title": "Oh"},
            {
                "prompt": "[Chorus] oh",
                "style": "rock",
                "title": "Oh",
                "customMode": True,
                "instrumental": False,
            },
        ),
        (
            "topaz-upscale",
            {"image": PHOTO, "upscale_factor": 4},
            {"image_url": URLS["photo-1"], "upscale_factor": "4"},
        ),
        (
            "tts-turbo-2-5",
            {"text": "Привет", "speed": "1.1"},
            {
                "text": "Привет",
                "voice": "nPczCjzI2devNBz1zQrb",
                "stability": 0.5,
                "similarity_boost": 0.75,
                "speed": 1.1,
            },
        ),
    ],
)
def test_request_fields_match_the_reference(
    catalog: Catalog, model_id: str, values: dict[str, Any], expected: dict[str, object]
) -> None:
    assert _build(catalog, model_id, values) == expected


@pytest.mark.parametrize(
    ("model_id", "values", "expected"),
    [
        (
            "z-image",
            {"prompt": "x" * 1001},
            Problem("prompt", ProblemCode.TOO_LONG, {"max": 1000, "length": 1001}),
        ),
        ("z-image", {}, Problem("prompt", ProblemCode.MISSING)),
        ("z-image", {"prompt": "   "}, Problem("prompt", ProblemCode.MISSING)),
        ("z-image", {"prompt": 5}, Problem("prompt", ProblemCode.NOT_TEXT)),
        (
            "seedance-1-5-pro",
            {"prompt": "ab"},
            Problem("prompt", ProblemCode.TOO_SHORT, {"min": 3, "length": 2}),
        ),
        (
            "z-image",
            {"prompt": "a", "aspect_ratio": "2:1"},
            Problem("aspect_ratio", ProblemCode.NOT_AN_OPTION, {"value": "2:1"}),
        ),
        (
            "kling-2-5-turbo",
            {"prompt": "a", "cfg_scale": 2},
            Problem("cfg_scale", ProblemCode.OUT_OF_RANGE, {"min": 0, "max": 1}),
        ),
        (
            "seedance-1-5-pro",
            {"prompt": "abc", "duration": 13},
            Problem("duration", ProblemCode.OUT_OF_RANGE, {"min": 4, "max": 12}),
        ),
        (
            "seedance-1-5-pro",
            {"prompt": "abc", "duration": "five"},
            Problem("duration", ProblemCode.NOT_A_NUMBER, {"value": "five"}),
        ),
        (
            "seedance-1-5-pro",
            {"prompt": "abc", "duration": 4.5},
            Problem("duration", ProblemCode.NOT_A_NUMBER, {"value": "4.5"}),
        ),
        (
            "kling-2-6-t2v",
            {"prompt": "a", "sound": "maybe"},
            Problem("sound", ProblemCode.NOT_A_BOOL),
        ),
        (
            "qwen-edit",
            {"prompt": "a", "image": MediaInput("doc", "application/pdf", 1000)},
            Problem(
                "image",
                ProblemCode.NOT_AN_IMAGE,
                {"mime_type": "application/pdf", "accepted": "image/jpeg, image/png, image/webp"},
            ),
        ),
        (
            "qwen-edit",
            {"prompt": "a", "image": "https://elsewhere/x.png"},
            Problem(
                "image",
                ProblemCode.NOT_AN_IMAGE,
                {"mime_type": "str", "accepted": "image/jpeg, image/png, image/webp"},
            ),
        ),
        (
            "remove-background",
            {"image": MediaInput("big", "image/png", 6 * 1024 * 1024)},
            Problem(
                "image",
                ProblemCode.FILE_TOO_LARGE,
                {"max_bytes": 5 * 1024 * 1024, "size": 6 * 1024 * 1024},
            ),
        ),
        (
            "nano-banana-edit",
            {"prompt": "a", "images": [PHOTO, MediaInput("big", "image/png", 11 * 1024 * 1024)]},
            Problem(
                "images",
                ProblemCode.FILE_TOO_LARGE,
                {"index": 1, "max_bytes": 10 * 1024 * 1024, "size": 11 * 1024 * 1024},
            ),
        ),
        (
            "nano-banana-edit",
            {"prompt": "a", "images": [PHOTO] * 11},
            Problem("images", ProblemCode.TOO_MANY_FILES, {"max": 10, "count": 11}),
        ),
        ("nano-banana-edit", {"prompt": "a", "images": []}, Problem("images", ProblemCode.MISSING)),
        ("kling-2-6-i2v", {"prompt": "a", "image": PHOTO_2}, None),  # png is fine
        (
            "kling-2-6-i2v",
            {"prompt": "a", "image": MediaInput("w", "image/webp", 10)},
            Problem(
                "image",
                ProblemCode.NOT_AN_IMAGE,
                {"mime_type": "image/webp", "accepted": "image/jpeg, image/png"},
            ),
        ),
        (
            "hailuo-2-3-standard",
            {"prompt": "a", "image": PHOTO, "duration": "10", "resolution": "1080P"},
            Problem(
                "duration+resolution",
                ProblemCode.COMBINATION_NOT_ALLOWED,
                {"duration": "10", "resolution": "1080P"},
            ),
        ),
        ("z-image", {"prompt": "a", "colour": "red"}, Problem("colour", ProblemCode.UNKNOWN_FIELD)),
        (
            "suno-v4-custom",
            {"lyrics": "la " * 1001, "style": "pop", "title": "t"},
            Problem("lyrics", ProblemCode.TOO_LONG, {"max": 3000, "length": 3002}),
        ),
        (
            "suno-v4-custom",
            {"lyrics": "la", "style": "s" * 201, "title": "t"},
            Problem("style", ProblemCode.TOO_LONG, {"max": 200, "length": 201}),
        ),
        ("suno-v5-custom", {"lyrics": "la " * 1001, "style": "s" * 201, "title": "t"}, None),
    ],
)
def test_validation_problems(
    catalog: Catalog, model_id: str, values: dict[str, Any], expected: Problem | None
) -> None:
    checked = inputs.validate(catalog.get(model_id), values)
    if expected is None:
        assert checked.ok
    else:
        assert checked.problems == (expected,)
        assert checked.values == {}


def test_all_problems_are_reported_at_once(catalog: Catalog) -> None:
    checked = inputs.validate(catalog.get("kling-2-6-i2v"), {"duration": "7", "sound": "x"})
    assert {(p.field, p.code) for p in checked.problems} == {
        ("prompt", ProblemCode.MISSING),
        ("image", ProblemCode.MISSING),
        ("duration", ProblemCode.NOT_AN_OPTION),
        ("sound", ProblemCode.NOT_A_BOOL),
    }


def test_too_few_files(catalog: Catalog) -> None:
    model = catalog.get("nano-banana-edit")
    field = model.field("images").model_copy(update={"min_count": 2})
    check = inputs.validate_value(field, [PHOTO])
    assert check.problems == (Problem("images", ProblemCode.TOO_FEW_FILES, {"min": 2, "count": 1}),)


@pytest.mark.parametrize(
    ("model_id", "field", "raw", "normalised"),
    [
        ("seedance-1-5-pro", "duration", "5", 5),
        ("seedance-1-5-pro", "duration", " 12 ", 12),
        ("seedance-1-5-pro", "duration", 7.0, 7),
        ("kling-2-6-t2v", "sound", "true", True),
        ("kling-2-6-t2v", "sound", "Off", False),
        ("kling-2-6-t2v", "sound", 1, True),
        ("kling-2-6-t2v", "duration", 10, "10"),
        ("kling-2-5-turbo", "cfg_scale", "0,7", 0.7),
        ("tts-turbo-2-5", "stability", 0.456, 0.46),
        ("z-image", "prompt", "  a cat  ", "a cat"),
        ("nano-banana-edit", "images", PHOTO, (PHOTO,)),
    ],
)
def test_values_are_coerced(
    catalog: Catalog, model_id: str, field: str, raw: object, normalised: object
) -> None:
    check = inputs.validate_value(catalog.get(model_id).field(field), raw)
    assert check.problems == ()
    assert check.value == normalised
    assert type(check.value) is type(normalised)


def test_defaults_are_applied_and_optional_fields_without_default_are_left_out(
    catalog: Catalog,
) -> None:
    checked = inputs.validate(catalog.get("kling-2-5-turbo"), {"prompt": "a"})
    assert checked.values == {
        "prompt": "a",
        "duration": "5",
        "aspect_ratio": "16:9",
        "cfg_scale": 0.5,
    }


def test_building_invalid_values_raises(catalog: Catalog) -> None:
    with pytest.raises(InvalidValues, match="missing"):
        _build(catalog, "z-image", {})


def test_building_with_a_file_that_was_not_uploaded_raises(catalog: Catalog) -> None:
    model = catalog.get("qwen-edit")
    with pytest.raises(InvalidValues, match="not been uploaded"):
        inputs.build_kie_fields(model, {"prompt": "a", "image": PHOTO}, {})


ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["5", "10", "1080P", "true", "16:9", "1e999", "NaN", "-0", ""]),
    st.builds(
        MediaInput, st.text(max_size=5), st.sampled_from(["image/png", "video/mp4"]), st.integers()
    ),
    st.lists(
        st.builds(MediaInput, st.just("r"), st.just("image/png"), st.integers(0, 20_000_000)),
        max_size=20,
    ),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(model=st.sampled_from(MODELS), data=st.data())
def test_validate_never_raises_and_valid_values_always_build_and_price(
    model: ModelSpec, data: st.DataObject
) -> None:
    from trt.domain import pricing

    names = [field.name for field in model.fields] + ["unknown"]
    values = data.draw(st.dictionaries(st.sampled_from(names), ANY_VALUE, max_size=len(names)))
    checked = inputs.validate(model, values)
    assert checked.ok == (checked.problems == ())
    if checked.ok:
        uploaded = {"r": "https://files.example/r.png", **URLS}
        media = [v for v in values.values() if isinstance(v, MediaInput)]
        uploaded.update({m.ref: "https://files.example/x" for m in media})
        inputs.build_kie_fields(model, checked.values, uploaded)
        assert pricing.quote(model, checked.values, pricing.PricingPolicy()).credits > 0


def test_values_survive_a_json_round_trip_with_media(catalog: Catalog) -> None:
    model = next(m for m in catalog if any(f.type.value == "images" for f in m.fields))
    images_field = next(f for f in model.fields if f.type.value == "images")
    photos = [MediaInput(ref=f"file-{n}", mime_type="image/jpeg", size=1000) for n in range(2)]
    values = {**inputs.minimal_values(model), images_field.name: photos}
    checked = inputs.validate(model, values)
    assert checked.ok

    as_json = json.dumps(inputs.to_json_values(checked.values))
    restored = inputs.from_json_values(json.loads(as_json))
    assert inputs.validate(model, restored).values == checked.values
    assert inputs.media_inputs(restored) == photos
