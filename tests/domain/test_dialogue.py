"""A dialogue field (ElevenLabs text-to-dialogue v3): "Voice: line" per line, checked against
the field's speakers and sent as KIE's `dialogue` array of {text, voice}."""

from typing import Any

import pytest
from pydantic import ValidationError

from trt.bot.texts import LANGUAGES, load_translations
from trt.bot.wizard import render
from trt.domain import inputs
from trt.domain.catalog import InputField, load_catalog
from trt.domain.inputs import ProblemCode
from trt.domain.pricing import PricingPolicy, quote

MODEL = load_catalog().get("tts-dialogue-v3")
DIALOGUE = MODEL.field("dialogue")
VOICES = {speaker.name: speaker.voice for speaker in DIALOGUE.speakers}


def test_lines_become_text_and_voice_pairs_in_order() -> None:
    text = "Brian: Hi, Bella!\n\n  bella :  Hello, Brian.  \nBRIAN: Bye: see you."
    checked = inputs.validate(MODEL, {"dialogue": text})
    assert checked.ok, checked.problems
    fields = inputs.build_kie_fields(MODEL, checked.values, {})
    assert fields["dialogue"] == [
        {"text": "Hi, Bella!", "voice": VOICES["Brian"]},
        {"text": "Hello, Brian.", "voice": VOICES["Bella"]},
        {"text": "Bye: see you.", "voice": VOICES["Brian"]},
    ]
    assert fields["stability"] == 0.5


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("Brian: hi\njust words", ProblemCode.NOT_A_DIALOGUE_LINE, {"line": 2}),
        ("Brian:   ", ProblemCode.NOT_A_DIALOGUE_LINE, {"line": 1}),
        ("Brian: hi\nBob: yo", ProblemCode.UNKNOWN_SPEAKER, {"name": "Bob"}),
    ],
)
def test_a_line_without_a_known_voice_is_explained(
    text: str, code: ProblemCode, params: dict[str, Any]
) -> None:
    [problem] = inputs.validate(MODEL, {"dialogue": text}).problems
    assert problem.code is code
    assert params.items() <= problem.params.items()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_wizard_shows_the_format_and_the_voices(language: str) -> None:
    texts = load_translations()[language]
    hint = render.hint(texts, DIALOGUE, with_buttons=False)
    assert "Brian:" in hint
    assert all(name in hint for name in VOICES)
    [problem] = inputs.validate(MODEL, {"dialogue": "Zed: hi"}).problems
    assert "Zed" in render.problem_text(texts, MODEL, problem)


def test_the_price_counts_every_started_thousand_characters() -> None:
    def credits(text: str) -> object:
        checked = inputs.validate(MODEL, {"dialogue": text})
        return quote(MODEL, checked.values, PricingPolicy()).credits

    assert credits("Brian: hi") == 14
    assert credits("Brian: " + "a" * 1500) == 28


@pytest.mark.parametrize(
    "field",
    [
        {"name": "d", "type": "text", "max_length": 10, "encode": "dialogue"},
        {"name": "d", "type": "text", "max_length": 10, "speakers": [{"name": "A", "voice": "v"}]},
        {
            "name": "d",
            "type": "enum",
            "options": ["x"],
            "encode": "dialogue",
            "speakers": [{"name": "A", "voice": "v"}],
        },
        {
            "name": "d",
            "type": "text",
            "max_length": 10,
            "encode": "dialogue",
            "speakers": [{"name": "Ann", "voice": "1"}, {"name": "ANN", "voice": "2"}],
        },
    ],
)
def test_a_dialogue_field_needs_text_and_distinct_speakers(field: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        InputField.model_validate(field)
