"""Suno family: `/api/v1/generate` and `/api/v1/generate/record-info` (REFERENCE §3.4, §4, §7.3).

Each task makes two tracks. record-info lists them camelCase in `data.response.sunoData`;
callbacks list them snake_case in `data.data`, once per stage: text, first, complete or error.
At `first` only the first track has an `audio_url`; the second has its stream URL only.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from trt.sandbox.kie.media import AUDIO_DURATION, file_url
from trt.sandbox.kie.responses import ApiError, optional_text, require_text
from trt.sandbox.kie.scenario import Outcome
from trt.sandbox.kie.tasks import Callback, JsonObject, Phase, Task, compact_json

MODELS = frozenset({"V3_5", "V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5"})
TRACKS_PER_TASK = 2
_SHORT_PROMPT_LIMIT = 500
_TITLE_LIMIT = 80
_POLICY_FAILURE = (400, "The prompt or lyrics contain sensitive or copyrighted content.")
_GENERIC_FAILURE = (501, "Audio generation failed")
_STAGES = {
    Phase.TEXT_SUCCESS: ("text", "Text generation completed."),
    Phase.FIRST_SUCCESS: ("first", "First track generated successfully."),
    Phase.SUCCESS: ("complete", "All generated successfully."),
}
_STATUSES = {
    Phase.TEXT_SUCCESS: "TEXT_SUCCESS",
    Phase.FIRST_SUCCESS: "FIRST_SUCCESS",
    Phase.SUCCESS: "SUCCESS",
}


def validate(body: JsonObject) -> ApiError | None:
    problem = require_text(body, "callBackUrl") or require_text(body, "model")
    problem = problem or _require_flag(body, "customMode") or _require_flag(body, "instrumental")
    if problem is not None:
        return problem
    if body["model"] not in MODELS:
        return ApiError(422, f"model must be one of {', '.join(sorted(MODELS))}")
    if body["customMode"]:
        return _validate_custom(body)
    problem = require_text(body, "prompt")
    if problem is None and len(body["prompt"]) > _SHORT_PROMPT_LIMIT:
        return ApiError(422, f"prompt must be at most {_SHORT_PROMPT_LIMIT} characters")
    return problem


def _require_flag(body: JsonObject, name: str) -> ApiError | None:
    if name not in body:
        return ApiError(400, f"{name} is required")
    if not isinstance(body[name], bool):
        return ApiError(422, f"{name} must be a boolean")
    return None


def _validate_custom(body: JsonObject) -> ApiError | None:
    problem = require_text(body, "style") or require_text(body, "title")
    if problem is None and not body["instrumental"]:
        problem = require_text(body, "prompt")
    problem = problem or optional_text(body, "prompt")
    if problem is None and len(body["title"]) > _TITLE_LIMIT:
        return ApiError(422, f"title must be at most {_TITLE_LIMIT} characters")
    return problem


@dataclass(frozen=True, slots=True)
class Track:
    track_id: str
    audio_url: str
    stream_audio_url: str
    image_url: str
    prompt: str
    model_name: str
    title: str
    tags: str
    create_time: str
    duration: float | None

    def camel(self) -> JsonObject:
        return {
            "id": self.track_id,
            "audioUrl": self.audio_url,
            "streamAudioUrl": self.stream_audio_url,
            "imageUrl": self.image_url,
            "prompt": self.prompt,
            "modelName": self.model_name,
            "title": self.title,
            "tags": self.tags,
            "createTime": self.create_time,
            "duration": self.duration,
        }

    def snake(self) -> JsonObject:
        return {
            "id": self.track_id,
            "audio_url": self.audio_url,
            "stream_audio_url": self.stream_audio_url,
            "image_url": self.image_url,
            "prompt": self.prompt,
            "model_name": self.model_name,
            "title": self.title,
            "tags": self.tags,
            "createTime": self.create_time,
            "duration": self.duration,
        }


def tracks(task: Task, base: str) -> list[Track]:
    if task.phase not in _STAGES:
        return []
    return [_track(task, base, index) for index in range(TRACKS_PER_TASK)]


def _track(task: Task, base: str, index: int) -> Track:
    request = task.request
    streaming = task.phase in (Phase.FIRST_SUCCESS, Phase.SUCCESS)
    audio_ready = task.phase is Phase.SUCCESS or (streaming and index == 0)
    prompt = task.prompt
    created = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(task.created_ms / 1000))
    return Track(
        track_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{task.task_id}/{index}")),
        audio_url=file_url(base, task.task_id, f"track-{index}.mp3") if audio_ready else "",
        stream_audio_url=file_url(base, task.task_id, f"stream-{index}.mp3") if streaming else "",
        image_url=file_url(base, task.task_id, f"cover-{index}.png") if streaming else "",
        prompt="" if request.get("instrumental") else f"[Verse]\n{prompt}",
        model_name="chirp-" + task.model.lower().replace("_", "-"),
        title=str(request.get("title") or prompt[:40] or "Untitled"),
        tags=str(request.get("style") or "pop"),
        create_time=created,
        duration=AUDIO_DURATION if audio_ready else None,
    )


def status(task: Task) -> str:
    if task.phase is Phase.FAIL:
        policy = task.outcome is Outcome.CONTENT_POLICY
        return "SENSITIVE_WORD_ERROR" if policy else "GENERATE_AUDIO_FAILED"
    return _STATUSES.get(task.phase, "PENDING")


def _failure(task: Task) -> tuple[int, str]:
    return _POLICY_FAILURE if task.outcome is Outcome.CONTENT_POLICY else _GENERIC_FAILURE


def record(task: Task, base: str) -> JsonObject:
    error_code, error_message = _failure(task) if task.phase is Phase.FAIL else (None, None)
    suno_data = [track.camel() for track in tracks(task, base)]
    return {
        "taskId": task.task_id,
        "param": compact_json(task.request),
        "response": {"taskId": task.task_id, "sunoData": suno_data},
        "status": status(task),
        "operationType": "generate",
        "errorCode": error_code,
        "errorMessage": error_message,
    }


def callback(task: Task, base: str) -> Callback | None:
    if task.phase is Phase.FAIL:
        code, msg = _failure(task)
        error_data = {"callbackType": "error", "task_id": task.task_id, "data": None}
        return Callback(stage="error", body={"code": code, "msg": msg, "data": error_data})
    stage = _STAGES.get(task.phase)
    if stage is None:
        return None
    callback_type, msg = stage
    # The text stage reports lyrics only; third-party docs show its track list empty.
    listed = [] if task.phase is Phase.TEXT_SUCCESS else tracks(task, base)
    data: JsonObject = {
        "callbackType": callback_type,
        "task_id": task.task_id,
        "data": [track.snake() for track in listed],
    }
    return Callback(stage=callback_type, body={"code": 200, "msg": msg, "data": data})


def stale(task: Task, base: str) -> Callback | None:
    """Suno's out-of-order case is its real earlier stages, so there is no extra body."""
    return None
