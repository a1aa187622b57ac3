"""Market jobs family: `/api/v1/jobs/createTask` and `/api/v1/jobs/recordInfo` (REFERENCE §2, §3.4).

The two surfaces disagree in the docs and the simulator follows each as documented:
recordInfo `param` keeps `input` as an object and `costTime` is milliseconds; callback
`param` carries `input` as a JSON string and `costTime` is seconds.
"""

from __future__ import annotations

from collections.abc import Collection

from trt.sandbox.kie.media import file_url, result_names
from trt.sandbox.kie.responses import ApiError, optional_text, require_text
from trt.sandbox.kie.scenario import Outcome
from trt.sandbox.kie.tasks import Callback, JsonObject, Phase, Task, compact_json

UNKNOWN_MODEL = ApiError(422, "The page does not exist or is not published")
_POLICY_FAILURE = ("422", "Invalid prompt: prompt contains prohibited content")
_GENERIC_FAILURE = ("500", "Internal server error")


def validate(body: JsonObject, *, known_models: Collection[str] | None) -> ApiError | None:
    problem = require_text(body, "model") or optional_text(body, "callBackUrl")
    if problem is not None:
        return problem
    if known_models is not None and body["model"] not in known_models:
        return UNKNOWN_MODEL
    if "input" not in body:
        return ApiError(400, "input is required")
    if not isinstance(body["input"], dict):
        return ApiError(422, "input must be an object")
    return None


def failure(task: Task) -> tuple[str, str]:
    if task.phase is not Phase.FAIL:
        return "", ""
    return _POLICY_FAILURE if task.outcome is Outcome.CONTENT_POLICY else _GENERIC_FAILURE


def result_json(task: Task, base: str) -> str:
    names = result_names(task.media, task.behaviour.results)
    return compact_json({"resultUrls": [file_url(base, task.task_id, name) for name in names]})


def _elapsed_ms(task: Task) -> int:
    return 0 if task.completed_ms is None else task.completed_ms - task.created_ms


def record(task: Task, base: str) -> JsonObject:
    fail_code, fail_msg = failure(task)
    return {
        "taskId": task.task_id,
        "model": task.model,
        "state": task.phase.value,
        "param": compact_json(task.request),
        "resultJson": result_json(task, base) if task.phase is Phase.SUCCESS else "",
        "failCode": fail_code,
        "failMsg": fail_msg,
        "costTime": _elapsed_ms(task),
        "completeTime": task.completed_ms,
        "createTime": task.created_ms,
        "updateTime": task.updated_ms,
    }


def _callback_data(task: Task, base: str) -> JsonObject:
    fail_code, fail_msg = failure(task)
    param = {
        "input": compact_json(task.input),
        "callBackUrl": task.callback_url,
        "model": task.model,
    }
    return {
        "taskId": task.task_id,
        "model": task.model,
        "state": task.phase.value,
        "param": compact_json(param),
        "resultJson": result_json(task, base) if task.phase is Phase.SUCCESS else None,
        "failCode": fail_code,
        "failMsg": fail_msg,
        "costTime": round(_elapsed_ms(task) / 1000),
        "completeTime": task.completed_ms,
        "createTime": task.created_ms,
        "updateTime": task.updated_ms,
        "creditsConsumed": task.credits_consumed,
    }


def callback(task: Task, base: str) -> Callback | None:
    """Only terminal Market callbacks are documented."""
    if task.phase is Phase.SUCCESS:
        body = {
            "code": 200,
            "msg": "Playground task completed successfully.",
            "data": _callback_data(task, base),
        }
        return Callback(stage="success", body=body)
    if task.phase is Phase.FAIL:
        body = {"code": 501, "msg": "Playground task failed.", "data": _callback_data(task, base)}
        return Callback(stage="fail", body=body)
    return None


def stale(task: Task, base: str) -> Callback | None:
    """An undocumented non-terminal callback, for out-of-order delivery tests."""
    body = {"code": 200, "msg": "Playground task in progress.", "data": _callback_data(task, base)}
    return Callback(stage="stale", body=body)
