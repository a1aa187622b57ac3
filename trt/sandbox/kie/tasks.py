"""Tasks and their plans.

Every family moves through the same internal phases; each family module renders them in
its own vocabulary (Market and Runway `state`, Veo, Flux Kontext and 4o Image `successFlag`,
Suno `status`). A plan is the list of
phases a task will visit for its outcome; a held task stops at GENERATING.

    all but Suno: waiting → queuing → generating → success | fail
    Suno success: waiting → generating → text_success → first_success → success
    Suno fail:    waiting → generating → text_success → fail
    Suno policy:  waiting → generating → fail
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from trt.sandbox.kie.media import MediaKind
from trt.sandbox.kie.scenario import Behaviour, Outcome

JsonObject = dict[str, Any]


def compact_json(value: Any) -> str:
    """JSON inside JSON strings (`param`, `resultJson`), without spaces as KIE writes it."""
    return json.dumps(value, separators=(",", ":"))


class Family(StrEnum):
    MARKET = "market"
    VEO = "veo"
    SUNO = "suno"
    FLUX_KONTEXT = "flux_kontext"
    GPT4O_IMAGE = "gpt4o_image"
    RUNWAY = "runway"


class Phase(StrEnum):
    WAITING = "waiting"
    QUEUING = "queuing"
    GENERATING = "generating"
    TEXT_SUCCESS = "text_success"
    FIRST_SUCCESS = "first_success"
    SUCCESS = "success"
    FAIL = "fail"


TERMINAL = frozenset({Phase.SUCCESS, Phase.FAIL})


def plan_for(family: Family, outcome: Outcome) -> tuple[Phase, ...]:
    failed = outcome in (Outcome.FAIL, Outcome.CONTENT_POLICY)
    terminal = Phase.FAIL if failed else Phase.SUCCESS
    if family is not Family.SUNO:
        return (Phase.WAITING, Phase.QUEUING, Phase.GENERATING, terminal)
    if outcome is Outcome.CONTENT_POLICY:
        return (Phase.WAITING, Phase.GENERATING, Phase.FAIL)
    if outcome is Outcome.FAIL:
        return (Phase.WAITING, Phase.GENERATING, Phase.TEXT_SUCCESS, Phase.FAIL)
    return (
        Phase.WAITING,
        Phase.GENERATING,
        Phase.TEXT_SUCCESS,
        Phase.FIRST_SUCCESS,
        Phase.SUCCESS,
    )


@dataclass(frozen=True, slots=True)
class Callback:
    """One callback body and the stage it reports (`success`, `fail`, `text`, `stale`…)."""

    stage: str
    body: JsonObject


@dataclass(slots=True, eq=False)
class Task:
    task_id: str
    family: Family
    model: str
    callback_url: str | None
    request: JsonObject
    behaviour: Behaviour
    outcome: Outcome
    media: MediaKind
    created_ms: int
    phase: Phase = Phase.WAITING
    updated_ms: int = 0
    completed_ms: int | None = None
    credits_consumed: float = 0.0
    timer: asyncio.TimerHandle | None = None
    # Callbacks withheld in OUT_OF_ORDER mode, sent after the terminal one.
    deferred: list[Callback] = field(default_factory=list)

    @property
    def input(self) -> JsonObject:
        """Market nests inputs under `input`; the other families take them at the top level."""
        if self.family is Family.MARKET:
            nested = self.request.get("input")
            return nested if isinstance(nested, dict) else {}
        return self.request

    @property
    def prompt(self) -> str:
        value = self.input.get("prompt", self.input.get("text", ""))
        return value if isinstance(value, str) else str(value)

    @property
    def plan(self) -> tuple[Phase, ...]:
        return plan_for(self.family, self.outcome)

    @property
    def terminal(self) -> bool:
        return self.phase in TERMINAL

    @property
    def held(self) -> bool:
        return self.behaviour.hold or self.outcome is Outcome.NEVER

    def cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class TaskStore:
    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}

    def add(self, task: Task) -> None:
        self._tasks[task.task_id] = task

    def get(self, task_id: str, *, family: Family | None = None) -> Task | None:
        task = self._tasks.get(task_id)
        if task is None or (family is not None and task.family is not family):
            return None
        return task

    def all(self) -> list[Task]:
        return list(self._tasks.values())

    def cancel_timers(self) -> None:
        for task in self._tasks.values():
            task.cancel_timer()

    def clear(self) -> None:
        self.cancel_timers()
        self._tasks.clear()

    def __len__(self) -> int:
        return len(self._tasks)
