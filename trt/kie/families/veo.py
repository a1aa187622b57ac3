"""Veo 3.1 (`/api/v1/veo/...`): request body and record parser (REFERENCE §4, §7.3)."""

from collections.abc import Mapping
from typing import Final

from trt.kie.errors import KieTransientError
from trt.kie.payload import as_decimal, as_int, as_list, as_mapping, as_text, first_text
from trt.kie.records import MediaKind, ResultFile, TaskRecord, TaskState, guess_kind

CREATE_PATH: Final = "/api/v1/veo/generate"
RECORD_PATH: Final = "/api/v1/veo/record-info"

# successFlag: 0 generating, 1 success, 2 failed, 3 generation failed.
_FLAGS: Final[dict[int, TaskState]] = {
    0: TaskState.RUNNING,
    1: TaskState.SUCCEEDED,
    2: TaskState.FAILED,
    3: TaskState.FAILED,
}


def build_create_body(
    kie_model: str, fields: Mapping[str, object], callback_url: str | None
) -> dict[str, object]:
    body: dict[str, object] = {**fields, "model": kie_model}
    if callback_url is not None:
        body["callBackUrl"] = callback_url
    return body


def parse_record(data: object, task_id: str) -> TaskRecord:
    """Normalise `data` of a Veo record-info answer; raise KieTransientError when unreadable."""
    record = as_mapping(data)
    if not record:
        raise KieTransientError("veo record-info answered without a record")
    flag = as_int(record.get("successFlag"))
    # A record without a flag yet has not started; an unknown flag is read as still running.
    state = TaskState.PENDING if flag is None else _FLAGS.get(flag, TaskState.RUNNING)
    results: tuple[ResultFile, ...] = ()
    if state is TaskState.SUCCEEDED:
        results = _read_results(as_mapping(record.get("response")))
    return TaskRecord(
        task_id=as_text(record.get("taskId")) or task_id,
        state=state,
        raw_state="" if flag is None else str(flag),
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
