"""The input wizard's state: an aiogram state plus one pydantic model, stored as plain JSON.

Everything lives in the FSM storage, so a wizard survives a restart. Two kinds of extra
top-level keys sit beside the model's fields, because the storage merges top-level keys
atomically (`update_data` under a row lock) and nothing finer:

* `file.<message id>`: one file of an `images` step. An album arrives as several messages
  handled at once; each writes its own key, so none is lost. A refused file keeps its key
  with the value null, so the count stays exact.
* `confirm.<callback id>`: a claim on "Confirm". The first press of a summary sees only its
  own claim after the merge; a second quick press sees two and starts nothing.

Writing the model back with `set_data` drops both kinds (a new step starts clean).
"""

from collections.abc import Mapping
from typing import Any, Self

from aiogram.fsm.state import State, StatesGroup
from pydantic import BaseModel, ConfigDict, ValidationError

from trt.domain.catalog import FieldType, InputField, ModelSpec
from trt.domain.inputs import MediaInput, from_json_values, to_json_values

FILE_KEY = "file."
CLAIM_KEY = "confirm."


class WizardStates(StatesGroup):
    step = State()  # asking `WizardData.field`
    summary = State()


class WizardData(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    sid: str
    model_id: str
    section: str
    page: int = 0
    values: dict[str, Any] = {}  # JSON form (inputs.to_json_values)
    field: str | None = None
    editing: bool = False  # the step was opened from the summary and returns there
    options_page: int = 0
    summary_token: str | None = None  # names the summary on screen (its Confirm button)
    started_job: int | None = None  # set once the job exists; the wizard is over

    @classmethod
    def load(cls, raw: Mapping[str, Any]) -> Self | None:
        """The wizard in FSM data, or None when the data holds no (readable) wizard."""
        try:
            return cls.model_validate(raw)
        except ValidationError:
            return None

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def typed_values(self) -> dict[str, object]:
        """Values with `MediaInput` objects, as the domain and the services take them."""
        return from_json_values(self.values)

    def with_value(self, name: str, value: object) -> Self:
        values = {**self.values, **to_json_values({name: value})}
        return self.model_copy(update={"values": values})

    def without_value(self, name: str) -> Self:
        values = {key: item for key, item in self.values.items() if key != name}
        return self.model_copy(update={"values": values})

    def at_step(self, field: str, *, editing: bool) -> Self:
        update = {"field": field, "editing": editing, "options_page": 0}
        return self.model_copy(update=update)


def required_fields(model: ModelSpec) -> list[str]:
    return [field.name for field in model.fields if field.required]


def next_required(model: ModelSpec, after: str | None) -> str | None:
    """The required field asked after `after` (the first one for None); None: the summary."""
    names = required_fields(model)
    if after is None:
        return names[0] if names else None
    if after not in names:
        return None
    index = names.index(after) + 1
    return names[index] if index < len(names) else None


def previous_required(model: ModelSpec, before: str | None) -> str | None:
    """The required field before `before` (the last one for None, i.e. from the summary)."""
    names = required_fields(model)
    if before is None:
        return names[-1] if names else None
    index = names.index(before) if before in names else 0
    return names[index - 1] if index > 0 else None


def step_number(model: ModelSpec, name: str) -> tuple[int, int] | None:
    """(n, total) for the n-th of the required fields; None for an optional field."""
    names = required_fields(model)
    return (names.index(name) + 1, len(names)) if name in names else None


def display_values(model: ModelSpec, values: Mapping[str, object]) -> dict[str, object]:
    """Every field's current value, optional ones falling back to their defaults."""
    shown: dict[str, object] = {}
    for field in model.fields:
        value = values.get(field.name, field.default)
        if value is not None:
            shown[field.name] = value
    return shown


def file_key(message_id: int) -> str:
    return f"{FILE_KEY}{message_id}"


def collected_files(raw: Mapping[str, Any]) -> list[MediaInput]:
    """The accepted files of the current `images` step, in the order they were sent."""
    found = sorted(
        (int(key.removeprefix(FILE_KEY)), value)
        for key, value in raw.items()
        if key.startswith(FILE_KEY) and value is not None
    )
    files: list[MediaInput] = []
    for _, value in found:
        media = from_json_values({"file": value})["file"]
        if isinstance(media, MediaInput):
            files.append(media)
    return files


def file_entry(media: MediaInput) -> object:
    return to_json_values({"file": media})["file"]


def claim_key(claim_id: str) -> str:
    return f"{CLAIM_KEY}{claim_id}"


def won_claim(merged: Mapping[str, Any], claim_id: str) -> bool:
    """True for the first claim merged into a wizard that has not started its job yet."""
    claims = {key for key in merged if key.startswith(CLAIM_KEY)}
    data = WizardData.load(merged)
    return claims == {claim_key(claim_id)} and data is not None and data.started_job is None


def accepts_files(field: InputField) -> bool:
    return field.type in (FieldType.IMAGE, FieldType.IMAGES)


NUMBER_BUTTONS = 12


def number_choices(field: InputField) -> tuple[str, ...] | None:
    """The values of a small integer range, offered as buttons; None: typed only."""
    if field.type is not FieldType.INT:
        return None
    domain = field.domain()
    return domain if domain is not None and len(domain) <= NUMBER_BUTTONS else None
