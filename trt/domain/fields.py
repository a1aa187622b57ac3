"""Input fields of a model: their types, limits, options and how they are sent to KIE.

Loading checks that every enum default is one of its options, every numeric default is within
its range, and the limits make sense (min below max, a step that divides the range).
"""

from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

MEGABYTE = 1024 * 1024
IMAGE_MIME_TYPES = ("image/jpeg", "image/png", "image/webp")

MAX_DOMAIN_SIZE = 200  # an int field that prices per unit must enumerate in a bounded list

Scalar = str | int | float | bool


class FieldType(StrEnum):
    TEXT = "text"
    IMAGE = "image"  # exactly one user file
    IMAGES = "images"  # a list of user files, min_count..max_count
    ENUM = "enum"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"


class Encoding(StrEnum):
    """How a normalised value is written into the KIE request."""

    NATIVE = "native"  # text/enum -> string, int/float -> number, bool -> bool, image -> URL
    STRING = "string"  # a number or bool sent as a string ("5")
    NUMBER = "number"  # an enum whose options are numbers, sent as a number (Veo duration 8)
    LIST = "list"  # one image sent as a one-element list of URLs
    # "Speaker: line" per line of a text field, sent as [{"text", "voice"}] (ElevenLabs dialogue)
    DIALOGUE = "dialogue"


def canonical(value: object) -> str:
    """The string form that matches values against options, price rows and forbid rules."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Localized(Frozen):
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.ru


class Option(Frozen):
    """An enum choice. In YAML a plain scalar is an option labelled by its own value."""

    value: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _expand(cls, data: Any) -> Any:
        raw = data if isinstance(data, dict) else {"value": data}
        value = canonical(raw.get("value"))
        return {**raw, "value": value, "ru": raw.get("ru", value), "en": raw.get("en", value)}

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.ru


class Speaker(Frozen):
    """A voice a dialogue line names by `name` ("Brian: Hello"), sent as `voice`."""

    name: str = Field(pattern=r"^\w[\w .-]*$", max_length=40)
    voice: str = Field(min_length=1)

    def matches(self, written: str) -> bool:
        return written.strip().casefold() == self.name.casefold()


class InputField(Frozen):
    """One user-facing input and how it is sent to KIE."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    kie_name: str | None = None
    required: bool = False
    default: Scalar | None = None
    encode: Encoding = Encoding.NATIVE
    priced: bool = False
    min_length: int | None = Field(default=None, ge=1)
    max_length: int | None = Field(default=None, ge=1)
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    step: Decimal | None = Field(default=None, gt=0)
    min_count: int = Field(default=1, ge=1)
    max_count: int | None = Field(default=None, ge=1)
    mime_types: tuple[str, ...] = IMAGE_MIME_TYPES
    max_bytes: int = Field(default=10 * MEGABYTE, gt=0)
    options: tuple[Option, ...] = ()
    speakers: tuple[Speaker, ...] = ()  # the voices a dialogue field's lines may name

    @model_validator(mode="before")
    @classmethod
    def _enum_default_as_text(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and data.get("type") == "enum"
            and data.get("default") is not None
        ):
            return {**data, "default": canonical(data["default"])}
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems = _field_problems(self)
        if problems:
            raise ValueError(f"field {self.name!r}: " + "; ".join(problems))
        return self

    @property
    def kie_key(self) -> str:
        return self.kie_name or self.name

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(option.value for option in self.options)

    def domain(self) -> tuple[str, ...] | None:
        """Every value the field can take, as canonical strings, when that set is finite."""
        if self.type is FieldType.ENUM:
            return self.option_values
        if self.type is FieldType.BOOL:
            return ("false", "true")
        if self.type is FieldType.INT and self.minimum is not None and self.maximum is not None:
            step = int(self.step or 1)
            count = (int(self.maximum) - int(self.minimum)) // step + 1
            if count <= MAX_DOMAIN_SIZE:
                return tuple(str(int(self.minimum) + i * step) for i in range(count))
        return None


def _field_problems(field: InputField) -> list[str]:
    problems: list[str] = []
    kind = field.type
    if field.required and field.default is not None:
        problems.append("a required field takes no default")
    if (field.options != ()) != (kind is FieldType.ENUM):
        problems.append("options belong to enum fields only, and every enum needs them")
    if kind is FieldType.ENUM:
        values = field.option_values
        if len(set(values)) != len(values):
            problems.append("duplicate options")
        if field.default is not None and field.default not in values:
            problems.append(f"default {field.default!r} is not an option")
    if (kind is FieldType.TEXT) != (field.max_length is not None):
        problems.append("text fields, and only they, need max_length")
    if field.min_length and field.max_length and field.min_length > field.max_length:
        problems.append("min_length > max_length")
    if kind in (FieldType.INT, FieldType.FLOAT):
        problems.extend(_range_problems(field))
    if kind is FieldType.IMAGES and (field.max_count is None or field.min_count > field.max_count):
        problems.append("images need max_count >= min_count")
    return problems + _encoding_problems(field)


def _encoding_problems(field: InputField) -> list[str]:
    problems = []
    allowed = {
        Encoding.STRING: (FieldType.INT, FieldType.FLOAT, FieldType.BOOL),
        Encoding.NUMBER: (FieldType.ENUM,),
        Encoding.LIST: (FieldType.IMAGE,),
        Encoding.DIALOGUE: (FieldType.TEXT,),
    }.get(field.encode)
    if allowed is not None and field.type not in allowed:
        problems.append(f"encoding {field.encode} does not apply to {field.type}")
    if field.encode is Encoding.NUMBER and not all(is_number(v) for v in field.option_values):
        problems.append("number encoding needs numeric options")
    if (field.encode is Encoding.DIALOGUE) != bool(field.speakers):
        problems.append("speakers belong to dialogue fields only, and every dialogue needs them")
    if len({speaker.name.casefold() for speaker in field.speakers}) != len(field.speakers):
        problems.append("speaker names must differ in more than case")
    return problems


def _range_problems(field: InputField) -> list[str]:
    low, high, default = field.minimum, field.maximum, field.default
    if field.type is FieldType.FLOAT and (low is None or high is None):
        return ["float fields need minimum and maximum"]
    if low is not None and high is not None and low > high:
        return ["minimum > maximum"]
    if default is None:
        return []
    if isinstance(default, bool) or not isinstance(default, int | float):
        return [f"default {default!r} is not a number"]
    number = Decimal(str(default))
    if (low is not None and number < low) or (high is not None and number > high):
        return [f"default {default!r} is out of range"]
    return []


def is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
