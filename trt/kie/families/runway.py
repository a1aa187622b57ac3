"""Runway (`/api/v1/runway/...`): request body and record parser (REFERENCE §3.4, §4, §7.3).
The record's `state` is wait, queueing, generating, success or fail; the video is
`videoInfo.videoUrl` (its `imageUrl` is a cover frame, not a result)."""

from collections.abc import Mapping
from typing import Final

from trt.kie.errors import KieTransientError
from trt.kie.families.bodies import top_level_body
from trt.kie.payload import as_decimal, as_mapping, as_text, first_text
from trt.kie.records import MediaKind, ResultFile, TaskRecord, TaskState, guess_kind

CREATE_PATH: Final = "/api/v1/runway/generate"
RECORD_PATH: Final = "/api/v1/runway/record-detail"

_STATES: Final[dict[str, TaskState]] = {
    "wait": TaskState.PENDING,
    "queueing": TaskState.PENDING,
    "queuing": TaskState.PENDING,
    "generating": TaskState.RUNNING,
    "success": TaskState.SUCCEEDED,
    "fail": TaskState.FAILED,
    "failed": TaskState.FAILED,
}


def build_create_body(
    kie_model: str, fields: Mapping[str, object], callback_url: str | None
) -> dict[str, object]:
    """Runway's body names no model; `kie_model` only tells our catalog entries apart."""
    return top_level_body(fields, callback_url)


def parse_record(data: object, task_id: str) -> TaskRecord:
    """Normalise `data` of a Runway record-detail answer; raise KieTransientError when
    unreadable."""
    record = as_mapping(data)
    if not record:
        raise KieTransientError("runway record-detail answered without a record")
    raw_state = as_text(record.get("state")) or ""
    # Unknown states are read as still running: the caller's deadline ends the wait.
    state = _STATES.get(raw_state.lower(), TaskState.RUNNING)
    results: tuple[ResultFile, ...] = ()
    if state is TaskState.SUCCEEDED:
        video = first_text(as_mapping(record.get("videoInfo")), "videoUrl", "video_url")
        results = (ResultFile(url=video, kind=guess_kind(video, MediaKind.VIDEO)),) if video else ()
    return TaskRecord(
        task_id=as_text(record.get("taskId")) or task_id,
        state=state,
        raw_state=raw_state,
        results=results,
        fail_code=as_text(record.get("failCode")),
        fail_message=first_text(record, "failMsg", "errorMessage", "msg"),
        credits_consumed=as_decimal(record.get("creditsConsumed")),
        model="runway",
    )
