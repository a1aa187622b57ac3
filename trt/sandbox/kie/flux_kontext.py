"""Flux Kontext family: `/api/v1/flux/kontext/generate` and `.../record-info` (REFERENCE §3.4,
§4, §7.2). One image per task; the origin copy beside it."""

from __future__ import annotations

from trt.sandbox.kie.flags import request_json, success_flag
from trt.sandbox.kie.media import file_url
from trt.sandbox.kie.responses import ApiError, optional_text, require_text
from trt.sandbox.kie.scenario import Outcome
from trt.sandbox.kie.tasks import Callback, JsonObject, Phase, Task

MODELS = frozenset({"flux-kontext-pro", "flux-kontext-max"})
DEFAULT_MODEL = "flux-kontext-pro"
ASPECT_RATIOS = frozenset({"21:9", "16:9", "4:3", "1:1", "3:4", "9:16"})
_POLICY_FAILURE = (400, "Your prompt was flagged as violating content policies.")
_GENERIC_FAILURE = (501, "Image generation failed.")


def validate(body: JsonObject) -> ApiError | None:
    problem = (
        require_text(body, "prompt")
        or optional_text(body, "callBackUrl")
        or optional_text(body, "inputImage")
    )
    if problem is not None:
        return problem
    if body.get("model", DEFAULT_MODEL) not in MODELS:
        return ApiError(422, f"model must be one of {', '.join(sorted(MODELS))}")
    if body.get("aspectRatio", "16:9") not in ASPECT_RATIOS:
        return ApiError(422, "aspectRatio is not supported")
    return None


def model_of(body: JsonObject) -> str:
    model = body.get("model", DEFAULT_MODEL)
    return model if isinstance(model, str) else DEFAULT_MODEL


def _images(task: Task, base: str) -> JsonObject:
    return {
        "originImageUrl": file_url(base, task.task_id, "origin-0.png"),
        "resultImageUrl": file_url(base, task.task_id, "result-0.png"),
    }


def _failure(task: Task) -> tuple[int, str]:
    return _POLICY_FAILURE if task.outcome is Outcome.CONTENT_POLICY else _GENERIC_FAILURE


def record(task: Task, base: str) -> JsonObject:
    code, message = _failure(task) if task.phase is Phase.FAIL else (None, None)
    return {
        "taskId": task.task_id,
        "paramJson": request_json(task),
        "completeTime": task.completed_ms,
        "response": _images(task, base) if task.phase is Phase.SUCCESS else None,
        "successFlag": success_flag(task),
        "errorCode": code,
        "errorMessage": message,
        "createTime": task.created_ms,
    }


def callback(task: Task, base: str) -> Callback | None:
    if task.phase is Phase.SUCCESS:
        data = {"taskId": task.task_id, "info": _images(task, base)}
        body = {"code": 200, "msg": "BFL image generated successfully.", "data": data}
        return Callback(stage="success", body=body)
    if task.phase is Phase.FAIL:
        code, message = _failure(task)
        info = {"originImageUrl": "", "resultImageUrl": ""}
        body = {"code": code, "msg": message, "data": {"taskId": task.task_id, "info": info}}
        return Callback(stage="fail", body=body)
    return None


def stale(task: Task, base: str) -> Callback | None:
    """An undocumented in-progress callback (code 200, no images), for out-of-order tests."""
    body = {"code": 200, "msg": "generating", "data": {"taskId": task.task_id, "info": None}}
    return Callback(stage="stale", body=body)
