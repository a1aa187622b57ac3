"""`successFlag` of Veo and the older image families: 0 generating, 1 success, 2 failed (a
content-policy refusal here), 3 generation failed."""

from __future__ import annotations

from trt.sandbox.kie.scenario import Outcome
from trt.sandbox.kie.tasks import Phase, Task, compact_json


def success_flag(task: Task) -> int:
    if task.phase is Phase.SUCCESS:
        return 1
    if task.phase is Phase.FAIL:
        return 2 if task.outcome is Outcome.CONTENT_POLICY else 3
    return 0


def request_json(task: Task) -> str:
    """The create request as the record's `paramJson`, without the callback URL."""
    return compact_json({k: v for k, v in sorted(task.request.items()) if k != "callBackUrl"})
