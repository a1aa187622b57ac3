"""Veo 3.1 family: `/api/v1/veo/generate` and `/api/v1/veo/record-info` (REFERENCE §3.4, §4).

successFlag: 0 generating, 1 success, 2 failed (content policy here), 3 generation failed.
"""

from __future__ import annotations

from trt.sandbox.kie.flags import success_flag
from trt.sandbox.kie.media import file_url, result_names
from trt.sandbox.kie.responses import ApiError, optional_text, require_text
from trt.sandbox.kie.scenario import Outcome
from trt.sandbox.kie.tasks import Callback, JsonObject, Phase, Task, compact_json

MODELS = frozenset({"veo3", "veo3_fast", "veo3_lite"})
DEFAULT_MODEL = "veo3_fast"
_POLICY_FAILURE = (400, "Your prompt was flagged by Website as violating content policies.")
_GENERIC_FAILURE = (501, "Video generation failed.")


def validate(body: JsonObject) -> ApiError | None:
    problem = require_text(body, "prompt") or optional_text(body, "callBackUrl")
    if problem is not None:
        return problem
    model = body.get("model", DEFAULT_MODEL)
    if model not in MODELS:
        return ApiError(422, f"model must be one of {', '.join(sorted(MODELS))}")
    image_urls = body.get("imageUrls")
    if image_urls is not None and not isinstance(image_urls, list):
        return ApiError(422, "imageUrls must be an array")
    return None


def model_of(body: JsonObject) -> str:
    model = body.get("model", DEFAULT_MODEL)
    return model if isinstance(model, str) else DEFAULT_MODEL


def _failure(task: Task) -> tuple[int, str]:
    return _POLICY_FAILURE if task.outcome is Outcome.CONTENT_POLICY else _GENERIC_FAILURE


def _info(task: Task, base: str) -> JsonObject:
    count = task.behaviour.results
    results = result_names(task.media, count)
    origins = result_names(task.media, count, stem="origin")
    resolution = task.request.get("resolution", "720p")
    return {
        "resultUrls": [file_url(base, task.task_id, name) for name in results],
        "originUrls": [file_url(base, task.task_id, name) for name in origins],
        "resolution": resolution,
    }


def _prompt_json(task: Task) -> str:
    fields = {key: value for key, value in task.request.items() if key != "callBackUrl"}
    fields.setdefault("model", DEFAULT_MODEL)
    return compact_json(dict(sorted(fields.items())))


def record(task: Task, base: str) -> JsonObject:
    failed = task.phase is Phase.FAIL
    error_code, error_message = _failure(task) if failed else (None, None)
    response = {"taskId": task.task_id, **_info(task, base)}
    return {
        "taskId": task.task_id,
        "paramJson": compact_json(task.request),
        "completeTime": task.completed_ms,
        "response": response if task.phase is Phase.SUCCESS else None,
        "successFlag": success_flag(task),
        "errorCode": error_code,
        "errorMessage": error_message,
        "createTime": task.created_ms,
        "fallbackFlag": False,
    }


def callback(task: Task, base: str) -> Callback | None:
    if task.phase is Phase.SUCCESS:
        data = {
            "taskId": task.task_id,
            "promptJson": _prompt_json(task),
            "info": _info(task, base),
            "fallbackFlag": False,
        }
        body = {"code": 200, "msg": "Veo3.1 video generated successfully.", "data": data}
        return Callback(stage="success", body=body)
    if task.phase is Phase.FAIL:
        code, msg = _failure(task)
        body = {"code": code, "msg": msg, "data": {"taskId": task.task_id, "fallbackFlag": False}}
        return Callback(stage="fail", body=body)
    return None


def stale(task: Task, base: str) -> Callback | None:
    """An undocumented in-progress callback (code 200, no `info`), for out-of-order tests."""
    data = {
        "taskId": task.task_id,
        "promptJson": _prompt_json(task),
        "info": None,
        "fallbackFlag": False,
    }
    return Callback(
        stage="stale", body={"code": 200, "msg": "Veo3.1 video generating.", "data": data}
    )
