"""Flux Kontext (`/api/v1/flux/kontext/...`): request body and record parser (REFERENCE §3.4,
§4, §7.2). One image per task, in `response.resultImageUrl`."""

from collections.abc import Mapping
from typing import Final

from trt.kie.errors import KieTransientError
from trt.kie.families.bodies import top_level_body
from trt.kie.families.flags import flag_state
from trt.kie.payload import as_decimal, as_mapping, as_text, first_text
from trt.kie.records import MediaKind, ResultFile, TaskRecord, TaskState, guess_kind

CREATE_PATH: Final = "/api/v1/flux/kontext/generate"
RECORD_PATH: Final = "/api/v1/flux/kontext/record-info"


def build_create_body(
    kie_model: str, fields: Mapping[str, object], callback_url: str | None
) -> dict[str, object]:
    return top_level_body(fields, callback_url, model=kie_model)


def parse_record(data: object, task_id: str) -> TaskRecord:
    """Normalise `data` of a Flux Kontext record-info answer; raise KieTransientError when
    unreadable."""
    record = as_mapping(data)
    if not record:
        raise KieTransientError("flux kontext record-info answered without a record")
    state, raw_state = flag_state(record.get("successFlag"))
    results: tuple[ResultFile, ...] = ()
    if state is TaskState.SUCCEEDED:
        response = as_mapping(record.get("response"))
        # The result, or the origin copy (valid 10 minutes) when only that is given.
        url = first_text(response, "resultImageUrl", "originImageUrl")
        results = (ResultFile(url=url, kind=guess_kind(url, MediaKind.IMAGE)),) if url else ()
    return TaskRecord(
        task_id=as_text(record.get("taskId")) or task_id,
        state=state,
        raw_state=raw_state,
        results=results,
        fail_code=as_text(record.get("errorCode")),
        fail_message=first_text(record, "errorMessage", "errorMsg", "failMsg"),
        credits_consumed=as_decimal(record.get("creditsConsumed")),
        model=as_text(as_mapping(record.get("paramJson")).get("model")),
    )
