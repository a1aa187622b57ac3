"""4o Image family: `/api/v1/gpt4o-image/generate` and `.../record-info` (REFERENCE §3.4, §4,
§7.2). `nVariants` images per task; the record has `status` beside `successFlag`."""

from __future__ import annotations

from trt.sandbox.kie.flags import request_json, success_flag
from trt.sandbox.kie.media import MediaKind, file_url, result_names
from trt.sandbox.kie.responses import ApiError, optional_text
from trt.sandbox.kie.scenario import Outcome
from trt.sandbox.kie.tasks import Callback, JsonObject, Phase, Task

MODEL = "gpt4o-image"
SIZES = frozenset({"1:1", "3:2", "2:3"})
MAX_FILES = 5
_POLICY_FAILURE = (400, "Your content was flagged by OpenAI as violating content policies.")
_GENERIC_FAILURE = (500, "Image generation failed.")


def validate(body: JsonObject) -> ApiError | None:
    problem = optional_text(body, "prompt") or optional_text(body, "callBackUrl")
    if problem is not None:
        return problem
    files = body.get("filesUrl")
    if files is not None and not (isinstance(files, list) and len(files) <= MAX_FILES):
        return ApiError(422, f"filesUrl must be an array of at most {MAX_FILES} URLs")
    if not body.get("prompt") and not files:
        return ApiError(400, "prompt or filesUrl is required")
    if body.get("size") not in SIZES:
        return ApiError(422, "size must be one of 1:1, 3:2, 2:3")
    variants = body.get("nVariants", 1)
    if variants not in (1, 2, 4):
        return ApiError(422, "nVariants must be 1, 2 or 4")
    return None


def model_of(body: JsonObject) -> str:
    return MODEL


def _urls(task: Task, base: str) -> list[str]:
    variants = task.request.get("nVariants", 1)
    count = variants if isinstance(variants, int) else 1
    return [file_url(base, task.task_id, name) for name in result_names(MediaKind.IMAGE, count)]


def _failure(task: Task) -> tuple[int, str]:
    return _POLICY_FAILURE if task.outcome is Outcome.CONTENT_POLICY else _GENERIC_FAILURE


def _status(task: Task) -> str:
    if task.phase is Phase.SUCCESS:
        return "SUCCESS"
    if task.phase is Phase.FAIL:
        return "GENERATE_FAILED"
    return "GENERATING"


def record(task: Task, base: str) -> JsonObject:
    code, message = _failure(task) if task.phase is Phase.FAIL else (None, None)
    success = task.phase is Phase.SUCCESS
    return {
        "taskId": task.task_id,
        "paramJson": request_json(task),
        "completeTime": task.completed_ms,
        "response": {"resultUrls": _urls(task, base)} if success else None,
        "successFlag": success_flag(task),
        "status": _status(task),
        "errorCode": code,
        "errorMessage": message,
        "progress": "1.00" if task.terminal else "0.50",
        "createTime": task.created_ms,
    }


def callback(task: Task, base: str) -> Callback | None:
    if task.phase is Phase.SUCCESS:
        data = {"taskId": task.task_id, "info": {"result_urls": _urls(task, base)}}
        return Callback(stage="success", body={"code": 200, "msg": "success", "data": data})
    if task.phase is Phase.FAIL:
        code, message = _failure(task)
        body = {"code": code, "msg": message, "data": {"taskId": task.task_id, "info": None}}
        return Callback(stage="fail", body=body)
    return None


def stale(task: Task, base: str) -> Callback | None:
    """An undocumented in-progress callback (code 200, no results), for out-of-order tests."""
    body = {"code": 200, "msg": "generating", "data": {"taskId": task.task_id, "info": None}}
    return Callback(stage="stale", body=body)
