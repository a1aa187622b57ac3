"""The wizard's FSM data and steps: plain JSON, the order of steps, album files and the
"first Confirm wins" claim."""

import json

from trt.bot.wizard.state import (
    WizardData,
    claim_key,
    collected_files,
    display_values,
    file_entry,
    file_key,
    next_required,
    number_choices,
    previous_required,
    step_number,
    won_claim,
)
from trt.domain.catalog import load_catalog
from trt.domain.inputs import MediaInput

CATALOG = load_catalog()
PHOTO = MediaInput(ref="AgAC-1", mime_type="image/jpeg", size=2048)
DOC = MediaInput(ref="BQAC-2", mime_type="image/png", size=4096, file_name="cat.png")


def wizard(**update: object) -> WizardData:
    return WizardData(sid="a1b2c3d4", model_id="qwen-edit", section="edit").model_copy(
        update=update
    )


def test_the_data_survives_a_json_round_trip_with_files() -> None:
    data = wizard().with_value("prompt", "a cat").with_value("image", PHOTO)
    data = data.with_value("images", (PHOTO, DOC))
    stored = json.loads(json.dumps(data.dump()))
    loaded = WizardData.load(stored)
    assert loaded == data
    assert loaded is not None
    assert loaded.typed_values() == {"prompt": "a cat", "image": PHOTO, "images": (PHOTO, DOC)}


def test_other_data_is_not_a_wizard() -> None:
    assert WizardData.load({}) is None
    assert WizardData.load({"sid": "x"}) is None
    assert WizardData.load({**wizard().dump(), "file.7": None}) == wizard()


def test_a_value_can_be_removed_again() -> None:
    data = wizard().with_value("negative_prompt", "blur").without_value("negative_prompt")
    assert data.values == {}


def test_required_fields_are_asked_in_catalog_order() -> None:
    model = CATALOG.get("qwen-edit")
    assert next_required(model, None) == "prompt"
    assert next_required(model, "prompt") == "image"
    assert next_required(model, "image") is None
    assert next_required(model, "image_size") is None
    assert previous_required(model, "image") == "prompt"
    assert previous_required(model, "prompt") is None
    assert previous_required(model, None) == "image"
    assert step_number(model, "image") == (2, 2)
    assert step_number(model, "image_size") is None


def test_optional_fields_show_their_defaults() -> None:
    model = CATALOG.get("qwen-edit")
    shown = display_values(model, {"prompt": "a cat"})
    assert shown == {"prompt": "a cat", "image_size": "landscape_4_3"}


def test_album_files_are_kept_in_message_order_and_refused_ones_skipped() -> None:
    raw = {
        **wizard().dump(),
        file_key(12): file_entry(DOC),
        file_key(9): file_entry(PHOTO),
        file_key(10): None,
    }
    assert collected_files(json.loads(json.dumps(raw))) == [PHOTO, DOC]


def test_only_the_first_claim_wins() -> None:
    data = wizard().dump()
    first = {**data, claim_key("q1"): True}
    both = {**first, claim_key("q2"): True}
    assert won_claim(first, "q1")
    assert not won_claim(both, "q2")
    started = {**wizard(started_job=5).dump(), claim_key("q3"): True}
    assert not won_claim(started, "q3")


def test_small_integer_ranges_become_buttons() -> None:
    duration = CATALOG.get("seedance-1-5-pro").field("duration")
    assert number_choices(duration) == tuple(str(n) for n in range(4, 13))
    assert number_choices(CATALOG.get("qwen-t2i").field("seed")) is None
    assert number_choices(CATALOG.get("qwen-t2i").field("guidance_scale")) is None
