"""Runway family: `/api/v1/runway/generate` and `/api/v1/runway/record-detail` (REFERENCE §3.4,
§4, §7.3). One video and its cover frame per task; the callback is snake_case."""

from __future__ import annotations

from trt.sandbox.kie.media import file_url
from trt.sandbox.kie.responses import ApiError, optional_text, require_text
from trt.sandbox.kie.scenario import Outcome
from trt.sandbox.kie.tasks import Callback, JsonObject, Phase, Task

MODEL = "runway"
DURATIONS = frozenset({5, 10})
QUALITIES = frozenset({"720p", "1080p"})
ASPECT_RATIOS = frozenset({"16:9", "4:3", "1:1", "3:4", "9:16"})
MAX_PROMPT = 1800
_POLICY_FAILURE = (400, "Your prompt was caught by our AI moderator.")
_GENERIC_FAILURE = (500, "Video generation failed.")
_STATES = {Phase.WAITING: "wait", Phase.QUEUING: "queueing", Phase.GENERATING: "generating"}


def validate(body: JsonObject) -> ApiError | None:
    problem = (
        require_text(body, "prompt")
        or optional_text(body, "callBackUrl")
        or optional_text(body, "imageUrl")
    )
    if problem is not None:
        return problem
    if len(body["prompt"]) > MAX_PROMPT:
        return ApiError(422, f"prompt is longer than {MAX_PROMPT} characters")
    if body.get("duration") not in DURATIONS or body.get("quality") not in QUALITIES:
        return ApiError(422, "duration must be 5 or 10 and quality 720p or 1080p")
    if body["duration"] == 10 and body["quality"] == "1080p":
        return ApiError(422, "1080p is not available for 10-second videos")
    ratio = body.get("aspectRatio")
    if (ratio is None and not body.get("imageUrl")) or (
        ratio is not None and ratio not in ASPECT_RATIOS
    ):
        return ApiError(422, "aspectRatio is required for text to video and must be supported")
    return None


def model_of(body: JsonObject) -> str:
    return MODEL


def _failure(task: Task) -> tuple[int, str]:
    return _POLICY_FAILURE if task.outcome is Outcome.CONTENT_POLICY else _GENERIC_FAILURE


def _video(task: Task, base: str) -> tuple[str, str]:
    return (
        file_url(base, task.task_id, "result-0.mp4"),
        file_url(base, task.task_id, "cover-0.png"),
    )


def record(task: Task, base: str) -> JsonObject:
    failed = task.phase is Phase.FAIL
    code, message = _failure(task) if failed else (None, None)
    video_info = None
    if task.phase is Phase.SUCCESS:
        video, cover = _video(task, base)
        video_info = {"videoId": f"v-{task.task_id}", "videoUrl": video, "imageUrl": cover}
    state = "success" if task.phase is Phase.SUCCESS else _STATES.get(task.phase, "fail")
    return {
        "taskId": task.task_id,
        "parentTaskId": "",
        "generateParam": {
            "prompt": task.prompt,
            "imageUrl": task.request.get("imageUrl", ""),
            "expandPrompt": False,
        },
        "state": state,
        "generateTime": task.completed_ms,
        "videoInfo": video_info,
        "failCode": code,
        "failMsg": message or "",
        "expireFlag": 0,
    }


def callback(task: Task, base: str) -> Callback | None:
    if task.phase is Phase.SUCCESS:
        video, cover = _video(task, base)
        data = {
            "task_id": task.task_id,
            "video_id": f"v-{task.task_id}",
            "video_url": video,
            "image_url": cover,
        }
        body = {"code": 200, "msg": "All generated successfully.", "data": data}
        return Callback(stage="success", body=body)
    if task.phase is Phase.FAIL:
        code, message = _failure(task)
        data = {"task_id": task.task_id, "video_id": "", "video_url": "", "image_url": ""}
        return Callback(stage="fail", body={"code": code, "msg": message, "data": data})
    return None


def stale(task: Task, base: str) -> Callback | None:
    """An undocumented in-progress callback (code 200, empty URLs), for out-of-order tests."""
    data = {"task_id": task.task_id, "video_id": "", "video_url": "", "image_url": ""}
    return Callback(stage="stale", body={"code": 200, "msg": "generating", "data": data})
