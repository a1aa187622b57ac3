"""A user's values for a model: validation, normalisation, and the KIE request fields.

`validate` never raises on bad input: it returns the normalised values (defaults applied, types
coerced) or a list of Problems with stable codes the bot translates. `build_kie_fields` turns
valid values into exactly the fields KIE expects (names, string-vs-number encodings, single URL
vs list), with the model's `fixed` constants merged in.
"""

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum

from trt.domain.catalog import Encoding, FieldType, InputField, ModelSpec, canonical
from trt.domain.fields import Speaker

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
SAMPLE_TEXTS = {
    "prompt": "a red apple on a table",
    "lyrics": "[Verse] A red apple on a table, shining in the morning light",
    "style": "acoustic pop",
    "title": "Red Apple",
    "text": "Hello! This is a short test of the voice.",
}

ParamValue = str | int | float


class ProblemCode(StrEnum):
    MISSING = "missing"
    UNKNOWN_FIELD = "unknown_field"
    NOT_TEXT = "not_text"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NOT_A_NUMBER = "not_a_number"
    NOT_ON_STEP = "not_on_step"
    OUT_OF_RANGE = "out_of_range"
    NOT_A_BOOL = "not_a_bool"
    NOT_AN_OPTION = "not_an_option"
    NOT_AN_IMAGE = "not_an_image"
    FILE_TOO_LARGE = "file_too_large"
    TOO_MANY_FILES = "too_many_files"
    TOO_FEW_FILES = "too_few_files"
    COMBINATION_NOT_ALLOWED = "combination_not_allowed"
    NOT_A_DIALOGUE_LINE = "not_a_dialogue_line"  # a dialogue line without "Speaker:"
    UNKNOWN_SPEAKER = "unknown_speaker"


class InvalidValues(ValueError):
    """Values that do not validate were passed where valid values are required."""


@dataclass(frozen=True, slots=True)
class MediaInput:
    """A user's file before upload; `ref` is opaque (e.g. a Telegram file id)."""

    ref: str
    mime_type: str
    size: int
    file_name: str | None = None


SAMPLE_IMAGE = MediaInput(
    ref="sample-image", mime_type="image/png", size=1024, file_name="sample.png"
)


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    code: ProblemCode
    params: dict[str, ParamValue] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Validated:
    """Either the normalised values (in field order) or the problems; never both."""

    values: dict[str, object]
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """One field's normalised value (None: absent) or its problems."""

    value: object
    problems: tuple[Problem, ...] = ()


def validate(model: ModelSpec, values: Mapping[str, object]) -> Validated:
    problems = [
        Problem(name, ProblemCode.UNKNOWN_FIELD) for name in values if not model.has_field(name)
    ]
    normalised: dict[str, object] = {}
    for spec in model.fields:
        raw = values.get(spec.name)
        check = validate_value(spec, spec.default if _is_blank(raw) else raw)
        problems.extend(check.problems)
        if check.value is not None:
            normalised[spec.name] = check.value
    if not problems:
        problems.extend(_combination_problems(model, normalised))
    if problems:
        return Validated(values={}, problems=tuple(problems))
    return Validated(values=normalised)


def validate_value(spec: InputField, raw: object) -> FieldCheck:
    """Check one field's value, e.g. as soon as the wizard receives it."""
    if _is_blank(raw):
        missing = Problem(spec.name, ProblemCode.MISSING)
        return FieldCheck(None, (missing,) if spec.required else ())
    checker = _CHECKERS[spec.type]
    return checker(spec, raw)


def _is_blank(raw: object) -> bool:
    if isinstance(raw, list | tuple):
        return not raw
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _problem(spec: InputField, code: ProblemCode, **params: ParamValue) -> FieldCheck:
    return FieldCheck(None, (Problem(spec.name, code, params),))


def _check_text(spec: InputField, raw: object) -> FieldCheck:
    if not isinstance(raw, str):
        return _problem(spec, ProblemCode.NOT_TEXT)
    text = raw.strip()
    if spec.max_length is not None and len(text) > spec.max_length:
        return _problem(spec, ProblemCode.TOO_LONG, max=spec.max_length, length=len(text))
    if spec.min_length is not None and len(text) < spec.min_length:
        return _problem(spec, ProblemCode.TOO_SHORT, min=spec.min_length, length=len(text))
    if spec.encode is Encoding.DIALOGUE:
        return _check_dialogue(spec, text)
    return FieldCheck(text)


def _check_dialogue(spec: InputField, text: str) -> FieldCheck:
    """Every non-blank line is "Speaker: what they say", the speaker one of the field's."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, said = line.partition(":")
        if not colon or not said.strip():
            return _problem(spec, ProblemCode.NOT_A_DIALOGUE_LINE, line=number)
        if _speaker(spec, name) is None:
            names = ", ".join(speaker.name for speaker in spec.speakers)
            return _problem(spec, ProblemCode.UNKNOWN_SPEAKER, name=name.strip(), speakers=names)
    return FieldCheck(text)


def _speaker(spec: InputField, written: str) -> Speaker | None:
    return next((speaker for speaker in spec.speakers if speaker.matches(written)), None)


def dialogue_lines(spec: InputField, text: str) -> list[dict[str, str]]:
    """A checked dialogue as KIE's `dialogue` array: one {text, voice} per line."""
    lines = []
    for line in text.splitlines():
        name, _, said = line.partition(":")
        speaker = _speaker(spec, name)
        if speaker is not None and said.strip():
            lines.append({"text": said.strip(), "voice": speaker.voice})
    return lines


def _check_number(spec: InputField, raw: object) -> FieldCheck:
    number = _to_decimal(raw)
    if number is None or (spec.type is FieldType.INT and number != number.to_integral_value()):
        return _problem(spec, ProblemCode.NOT_A_NUMBER, value=str(raw)[:40])
    low, high = spec.minimum, spec.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = {"min": _plain(low), "max": _plain(high)}
        return _problem(
            spec, ProblemCode.OUT_OF_RANGE, **{k: v for k, v in bounds.items() if v != ""}
        )
    if spec.step is not None:
        origin = low if low is not None else Decimal(0)
        steps = (number - origin) / spec.step
        if spec.type is FieldType.INT and steps != steps.to_integral_value():
            return _problem(spec, ProblemCode.NOT_ON_STEP, step=int(spec.step))
        # A float is rounded to the nearest step (0.5037 -> 0.5 for step 0.01); in range, since
        # the bounds lie on the step grid.
        number = origin + steps.quantize(Decimal(1), rounding=ROUND_HALF_EVEN) * spec.step
    return FieldCheck(int(number) if spec.type is FieldType.INT else float(number))


def _to_decimal(raw: object) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        return None
    try:
        number = Decimal(raw.strip().replace(",", ".") if isinstance(raw, str) else str(raw))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _plain(number: Decimal | None) -> ParamValue:
    if number is None:
        return ""
    return int(number) if number == number.to_integral_value() else float(number)


def _check_bool(spec: InputField, raw: object) -> FieldCheck:
    if isinstance(raw, bool):
        return FieldCheck(raw)
    word = str(raw).strip().lower() if isinstance(raw, str | int) else ""
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return FieldCheck(word in TRUE_WORDS)
    return _problem(spec, ProblemCode.NOT_A_BOOL)


def _check_enum(spec: InputField, raw: object) -> FieldCheck:
    value = canonical(raw).strip() if isinstance(raw, str | int | float) else None
    if value is None or isinstance(raw, bool) or value not in spec.option_values:
        return _problem(spec, ProblemCode.NOT_AN_OPTION, value=str(raw)[:40])
    return FieldCheck(value)


def _check_image(spec: InputField, raw: object) -> FieldCheck:
    problems = _file_problems(spec, raw, index=None)
    return FieldCheck(None if problems else raw, tuple(problems))


def _check_images(spec: InputField, raw: object) -> FieldCheck:
    files: Sequence[object] = list(raw) if isinstance(raw, list | tuple) else [raw]
    limit = spec.max_count or len(files)
    if len(files) > limit:
        return _problem(spec, ProblemCode.TOO_MANY_FILES, max=limit, count=len(files))
    if len(files) < spec.min_count:
        return _problem(spec, ProblemCode.TOO_FEW_FILES, min=spec.min_count, count=len(files))
    problems = [p for i, item in enumerate(files) for p in _file_problems(spec, item, index=i)]
    return FieldCheck(None if problems else tuple(files), tuple(problems))


def _file_problems(spec: InputField, raw: object, *, index: int | None) -> list[Problem]:
    where: dict[str, ParamValue] = {} if index is None else {"index": index}
    if not isinstance(raw, MediaInput) or raw.mime_type not in spec.mime_types:
        mime = raw.mime_type if isinstance(raw, MediaInput) else type(raw).__name__
        params = {**where, "mime_type": mime, "accepted": ", ".join(spec.mime_types)}
        return [Problem(spec.name, ProblemCode.NOT_AN_IMAGE, params)]
    if raw.size > spec.max_bytes:
        params = {**where, "max_bytes": spec.max_bytes, "size": raw.size}
        return [Problem(spec.name, ProblemCode.FILE_TOO_LARGE, params)]
    return []


_CHECKERS = {
    FieldType.TEXT: _check_text,
    FieldType.INT: _check_number,
    FieldType.FLOAT: _check_number,
    FieldType.BOOL: _check_bool,
    FieldType.ENUM: _check_enum,
    FieldType.IMAGE: _check_image,
    FieldType.IMAGES: _check_images,
}


def _combination_problems(model: ModelSpec, values: Mapping[str, object]) -> list[Problem]:
    current = {name: canonical(value) for name, value in values.items()}
    problems = []
    for rule in model.forbid:
        if all(current.get(name) == value for name, value in rule.items()):
            params: dict[str, ParamValue] = dict(rule)
            problems.append(Problem("+".join(rule), ProblemCode.COMBINATION_NOT_ALLOWED, params))
    return problems


def build_kie_fields(
    model: ModelSpec, values: Mapping[str, object], uploaded: Mapping[str, str]
) -> dict[str, object]:
    """KIE request fields for valid values; `uploaded` maps MediaInput.ref to its public URL.

    For the Market family these form the `input` object; for the other families they are the
    top-level body fields besides the model and `callBackUrl`.
    """
    checked = validate(model, values)
    if not checked.ok:
        raise InvalidValues(f"model {model.id!r}: {[p.code.value for p in checked.problems]}")
    fields: dict[str, object] = {}
    for spec in model.fields:
        if spec.name in checked.values:
            fields[spec.kie_key] = _encode(spec, checked.values[spec.name], uploaded)
    fields.update(model.fixed)
    return fields


def _encode(spec: InputField, value: object, uploaded: Mapping[str, str]) -> object:
    if isinstance(value, MediaInput):
        url = _url(value, uploaded)
        return [url] if spec.encode is Encoding.LIST else url
    if isinstance(value, tuple):
        return [_url(item, uploaded) for item in value if isinstance(item, MediaInput)]
    if spec.encode is Encoding.STRING:
        return canonical(value)
    if spec.encode is Encoding.NUMBER:
        number = Decimal(str(value))
        return int(number) if number == number.to_integral_value() else float(number)
    if spec.encode is Encoding.DIALOGUE:
        return dialogue_lines(spec, str(value))
    return value


def _url(media: MediaInput, uploaded: Mapping[str, str]) -> str:
    try:
        return uploaded[media.ref]
    except KeyError:
        raise InvalidValues(f"file {media.ref!r} has not been uploaded") from None


def minimal_values(model: ModelSpec) -> dict[str, object]:
    """A small valid input for every model: sample text and a sample image where required."""
    values: dict[str, object] = {}
    for spec in model.fields:
        if spec.required:
            values[spec.name] = _sample(spec)
    return values


def _sample_text(spec: InputField) -> str:
    if spec.encode is Encoding.DIALOGUE:
        first, second = spec.speakers[0], spec.speakers[-1]
        return f"{first.name}: Hello! How are you?\n{second.name}: Fine, thank you."
    return SAMPLE_TEXTS.get(spec.name, SAMPLE_TEXTS["prompt"])[: spec.max_length]


def _sample(spec: InputField) -> object:
    if spec.type is FieldType.TEXT:
        return _sample_text(spec)
    if spec.type is FieldType.IMAGE:
        return SAMPLE_IMAGE
    if spec.type is FieldType.IMAGES:
        return [SAMPLE_IMAGE] * spec.min_count
    if spec.type is FieldType.ENUM:
        return spec.option_values[0]
    if spec.type is FieldType.BOOL:
        return False
    low = spec.minimum if spec.minimum is not None else Decimal(0)
    return math.ceil(low) if spec.type is FieldType.INT else float(low)


MEDIA_MARK = "$media"


def to_json_values(values: Mapping[str, object]) -> dict[str, object]:
    """Values as plain JSON (for the job row and the wizard's FSM data); see `from_json_values`."""
    return {name: _to_json(value) for name, value in values.items()}


def from_json_values(data: Mapping[str, object]) -> dict[str, object]:
    """The inverse of `to_json_values`: media dicts become `MediaInput` again."""
    return {name: _from_json(value) for name, value in data.items()}


def media_inputs(values: Mapping[str, object]) -> list[MediaInput]:
    """Every user file among the values, in field order."""
    found: list[MediaInput] = []
    for value in values.values():
        items = value if isinstance(value, tuple | list) else (value,)
        found.extend(item for item in items if isinstance(item, MediaInput))
    return found


def _to_json(value: object) -> object:
    if isinstance(value, MediaInput):
        return {MEDIA_MARK: dataclasses.asdict(value)}
    if isinstance(value, tuple | list):
        return [_to_json(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _from_json(value: object) -> object:
    if isinstance(value, dict) and isinstance(value.get(MEDIA_MARK), dict):
        return MediaInput(**value[MEDIA_MARK])
    if isinstance(value, list):
        return tuple(_from_json(item) for item in value)
    return value
