"""Market jobs API (`/api/v1/jobs/...`): request body and record parser (REFERENCE §2)."""

import json
from collections.abc import Mapping
from typing import Final

from trt.kie.errors import KieTransientError
from trt.kie.payload import as_decimal, as_list, as_mapping, as_text, decode_json, first_text
from trt.kie.records import ResultFile, TaskRecord, TaskState, guess_kind

CREATE_PATH: Final = "/api/v1/jobs/createTask"
RECORD_PATH: Final = "/api/v1/jobs/recordInfo"

_STATES: Final[dict[str, TaskState]] = {
    "waiting": TaskState.PENDING,
    "queuing": TaskState.PENDING,
    "generating": TaskState.RUNNING,
    "success": TaskState.SUCCEEDED,
    "fail": TaskState.FAILED,
    # Not documented; some clients expect these spellings, so read them the obvious way.
    "failed": TaskState.FAILED,
    "queueing": TaskState.PENDING,
}


def build_create_body(
    kie_model: str, fields: Mapping[str, object], callback_url: str | None
) -> dict[str, object]:
    body: dict[str, object] = {"model": kie_model, "input": dict(fields)}
    if callback_url is not None:
        body["callBackUrl"] = callback_url
    return body


def parse_record(data: object, task_id: str) -> TaskRecord:
    """Normalise `data` of a recordInfo answer; raise KieTransientError when unreadable."""
    record = as_mapping(data)
    if not record:
        raise KieTransientError("recordInfo answered without a record")
    raw_state = as_text(record.get("state")) or ""
    # Unknown states are read as still running: the caller's deadline ends the wait.
    state = _STATES.get(raw_state.lower(), TaskState.RUNNING)
    results: tuple[ResultFile, ...] = ()
    result_text: str | None = None
    if state is TaskState.SUCCEEDED:
        results, result_text = _read_results(record.get("resultJson"))
    return TaskRecord(
        task_id=as_text(record.get("taskId")) or task_id,
        state=state,
        raw_state=raw_state,
        results=results,
        fail_code=as_text(record.get("failCode")),
        fail_message=first_text(record, "failMsg", "failMessage"),
        credits_consumed=as_decimal(record.get("creditsConsumed")),
        model=as_text(record.get("model")) or _model_from_param(record.get("param")),
        result_text=result_text,
    )


def _read_results(result_json: object) -> tuple[tuple[ResultFile, ...], str | None]:
    """`resultJson` is a JSON string (an object in some copies); "" or null means none."""
    if result_json is None or result_json == "":
        return (), None
    decoded = decode_json(result_json) if isinstance(result_json, str) else result_json
    if not isinstance(decoded, Mapping):
        # A success whose result cannot be read was most likely cut off in transit.
        raise KieTransientError("recordInfo resultJson is not a JSON object")
    files = tuple(
        ResultFile(url=url, kind=guess_kind(url))
        for url in (_url_of(item) for item in as_list(decoded.get("resultUrls")))
        if url is not None
    )
    result_object = decoded.get("resultObject")
    text = as_text(result_object) if isinstance(result_object, str) else None
    if result_object is not None and text is None:
        text = _dump(result_object)
    return files, text


def _url_of(item: object) -> str | None:
    if isinstance(item, str):
        return as_text(item)
    return first_text(as_mapping(item), "url", "resultUrl")


def _model_from_param(param: object) -> str | None:
    """`param` is the create request as a JSON string; its `input` may be a string too."""
    return as_text(as_mapping(param).get("model"))


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
