"""Suno music (`/api/v1/generate...`): request body and record parser (REFERENCE §4, §7.3).

Suno insists on a callback URL. Its record-info uses camelCase track fields (`audioUrl`), its
callbacks snake_case (`audio_url`); both are read here so a mixed-up copy still parses.
"""

from collections.abc import Mapping
from typing import Final

from trt.kie.errors import KieInvalidRequest, KieTransientError
from trt.kie.payload import as_decimal, as_list, as_mapping, as_text, first_text
from trt.kie.records import MediaKind, ResultFile, TaskRecord, TaskState, guess_kind

CREATE_PATH: Final = "/api/v1/generate"
RECORD_PATH: Final = "/api/v1/generate/record-info"

_STATES: Final[dict[str, TaskState]] = {
    "PENDING": TaskState.PENDING,
    "TEXT_SUCCESS": TaskState.RUNNING,
    "FIRST_SUCCESS": TaskState.RUNNING,
    "SUCCESS": TaskState.SUCCEEDED,
    "CREATE_TASK_FAILED": TaskState.FAILED,
    "GENERATE_AUDIO_FAILED": TaskState.FAILED,
    # The task's own callback failed; treated as failed as the status list groups it there.
    "CALLBACK_EXCEPTION": TaskState.FAILED,
    "SENSITIVE_WORD_ERROR": TaskState.FAILED,
}


def build_create_body(
    kie_model: str, fields: Mapping[str, object], callback_url: str | None
) -> dict[str, object]:
    if callback_url is None:
        raise KieInvalidRequest("Suno requires callBackUrl; no callback URL was given")
    return {**fields, "model": kie_model, "callBackUrl": callback_url}


def parse_record(data: object, task_id: str) -> TaskRecord:
    """Normalise `data` of a Suno record-info answer; raise KieTransientError when unreadable."""
    record = as_mapping(data)
    if not record:
        raise KieTransientError("suno record-info answered without a record")
    raw_state = as_text(record.get("status")) or ""
    state = _state(raw_state)
    response = as_mapping(record.get("response"))
    return TaskRecord(
        task_id=as_text(record.get("taskId")) or as_text(response.get("taskId")) or task_id,
        state=state,
        raw_state=raw_state,
        results=_tracks(response),
        fail_code=as_text(record.get("errorCode")),
        fail_message=first_text(record, "errorMessage", "errorMsg"),
        credits_consumed=as_decimal(record.get("creditsConsumed")),
        model=first_text(record, "model") or as_text(as_mapping(record.get("param")).get("model")),
    )


def _state(raw_state: str) -> TaskState:
    upper = raw_state.upper()
    if upper in _STATES:
        return _STATES[upper]
    # Undocumented failure stages still end the task; anything else is still in progress.
    if "FAIL" in upper or "ERROR" in upper:
        return TaskState.FAILED
    return TaskState.RUNNING


def _tracks(response: Mapping[str, object]) -> tuple[ResultFile, ...]:
    """Tracks with a finished audio URL; a `first`-stage sibling may still have none."""
    tracks = as_list(response.get("sunoData")) or as_list(response.get("data"))
    files = []
    for item in tracks:
        track = as_mapping(item)
        url = first_text(track, "audioUrl", "audio_url")
        if url is not None:
            title = first_text(track, "title")
            files.append(ResultFile(url=url, kind=guess_kind(url, MediaKind.AUDIO), title=title))
    return tuple(files)
