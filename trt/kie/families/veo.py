"""Veo 3.1 (`/api/v1/veo/...`): request body and record parser (REFERENCE §4, §7.3)."""

from collections.abc import Mapping
from typing import Final

from trt.kie.errors import KieTransientError
from trt.kie.families.bodies import top_level_body
from trt.kie.families.flags import flag_state
from trt.kie.payload import as_decimal, as_list, as_mapping, as_text, first_text
from trt.kie.records import MediaKind, ResultFile, TaskRecord, TaskState, guess_kind

CREATE_PATH: Final = "/api/v1/veo/generate"
RECORD_PATH: Final = "/api/v1/veo/record-info"


def build_create_body(
    kie_model: str, fields: Mapping[str, object], callback_url: str | None
) -> dict[str, object]:
    return top_level_body(fields, callback_url, model=kie_model)


def parse_record(data: object, task_id: str) -> TaskRecord:
    """Normalise `data` of a Veo record-info answer; raise KieTransientError when unreadable."""
    record = as_mapping(data)
    if not record:
        raise KieTransientError("veo record-info answered without a record")
    state, raw_state = flag_state(record.get("successFlag"))
    results: tuple[ResultFile, ...] = ()
    if state is TaskState.SUCCEEDED:
        results = _read_results(as_mapping(record.get("response")))
    return TaskRecord(
        task_id=as_text(record.get("taskId")) or task_id,
        state=state,
        raw_state=raw_state,
        results=results,
        fail_code=as_text(record.get("errorCode")),
        fail_message=first_text(record, "errorMessage", "errorMsg", "failMsg"),
        credits_consumed=as_decimal(record.get("creditsConsumed")),
        model=_model(record),
    )


def _read_results(response: Mapping[str, object]) -> tuple[ResultFile, ...]:
    """`resultUrls` is a list, or a JSON-encoded list in older payloads; origin URLs as fallback."""
    urls = _urls(response.get("resultUrls")) or _urls(response.get("originUrls"))
    return tuple(ResultFile(url=url, kind=guess_kind(url, MediaKind.VIDEO)) for url in urls)


def _urls(value: object) -> list[str]:
    if isinstance(value, str) and not value.lstrip().startswith("["):
        single = as_text(value)
        return [single] if single else []
    return [url for item in as_list(value) if isinstance(item, str) and (url := as_text(item))]


def _model(record: Mapping[str, object]) -> str | None:
    for key in ("paramJson", "promptJson", "param"):
        model = as_text(as_mapping(record.get(key)).get("model"))
        if model is not None:
            return model
    return as_text(record.get("model"))
