"""4o Image (`/api/v1/gpt4o-image/...`): request body and record parser (REFERENCE §3.4, §4,
§7.2). The record carries `status` (GENERATING, SUCCESS, CREATE_TASK_FAILED, GENERATE_FAILED)
beside `successFlag`; `status` wins when it is one of those."""

from collections.abc import Mapping
from typing import Final

from trt.kie.errors import KieTransientError
from trt.kie.families.bodies import top_level_body
from trt.kie.families.flags import flag_state
from trt.kie.payload import as_decimal, as_list, as_mapping, as_text, first_text
from trt.kie.records import MediaKind, ResultFile, TaskRecord, TaskState, guess_kind

CREATE_PATH: Final = "/api/v1/gpt4o-image/generate"
RECORD_PATH: Final = "/api/v1/gpt4o-image/record-info"

_STATUSES: Final[dict[str, TaskState]] = {
    "GENERATING": TaskState.RUNNING,
    "SUCCESS": TaskState.SUCCEEDED,
    "CREATE_TASK_FAILED": TaskState.FAILED,
    "GENERATE_FAILED": TaskState.FAILED,
}


def build_create_body(
    kie_model: str, fields: Mapping[str, object], callback_url: str | None
) -> dict[str, object]:
    """The family has one model, so `kie_model` names nothing in the body."""
    return top_level_body(fields, callback_url)


def parse_record(data: object, task_id: str) -> TaskRecord:
    """Normalise `data` of a 4o Image record-info answer; raise KieTransientError when
    unreadable."""
    record = as_mapping(data)
    if not record:
        raise KieTransientError("4o image record-info answered without a record")
    status = (as_text(record.get("status")) or "").upper()
    state, raw_state = flag_state(record.get("successFlag"))
    if status in _STATUSES:
        state, raw_state = _STATUSES[status], status
    results: tuple[ResultFile, ...] = ()
    if state is TaskState.SUCCEEDED:
        response = as_mapping(record.get("response"))
        urls = as_list(response.get("resultUrls")) or as_list(response.get("result_urls"))
        results = tuple(
            ResultFile(url=url, kind=guess_kind(url, MediaKind.IMAGE))
            for url in (as_text(item) for item in urls)
            if url is not None
        )
    return TaskRecord(
        task_id=as_text(record.get("taskId")) or task_id,
        state=state,
        raw_state=raw_state,
        results=results,
        fail_code=as_text(record.get("errorCode")),
        fail_message=first_text(record, "errorMessage", "errorMsg", "failMsg"),
        credits_consumed=as_decimal(record.get("creditsConsumed")),
        model="gpt4o-image",
    )
