"""Counters of everything the simulator received or sent, and their typed snapshot."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from trt.sandbox.kie.tasks import JsonObject, Task


@dataclass(frozen=True, slots=True)
class CallbackAttempt:
    task_id: str
    url: str
    stage: str
    attempt: int
    status: int | None
    error: str | None
    at_ms: int

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class TaskInfo:
    task_id: str
    family: str
    model: str
    callback_url: str | None
    input: JsonObject
    state: str
    outcome: str
    created_ms: int
    completed_ms: int | None
    callback: str = "normal"  # the task's callback mode (lost, duplicate, out_of_order…)
    held: bool = False  # stopped at generating until complete_task (hold or outcome never)

    @classmethod
    def of(cls, task: Task) -> TaskInfo:
        return cls(
            task_id=task.task_id,
            family=task.family.value,
            model=task.model,
            callback_url=task.callback_url,
            input=dict(task.input),
            state=task.phase.value,
            outcome=task.outcome.value,
            created_ms=task.created_ms,
            completed_ms=task.completed_ms,
            callback=task.behaviour.callback.value,
            held=task.held,
        )


@dataclass(frozen=True, slots=True)
class CallbackStats:
    sent: int
    failed: int
    lost: int
    attempts: int
    pending: int


@dataclass(frozen=True, slots=True)
class SimStats:
    creates: dict[str, int]
    creates_by_model: dict[str, int]
    rejected_creates: int
    record_queries: int
    record_queries_by_task: dict[str, int]
    uploads: dict[str, int]
    credit_queries: int
    file_downloads: int
    auth_failures: int
    faults_served: int
    credits: float
    callbacks: CallbackStats
    callback_attempts: tuple[CallbackAttempt, ...]
    tasks: tuple[TaskInfo, ...]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(slots=True)
class Counters:
    creates: Counter[str] = field(default_factory=Counter)
    creates_by_model: Counter[str] = field(default_factory=Counter)
    rejected_creates: int = 0
    record_queries: int = 0
    record_queries_by_task: Counter[str] = field(default_factory=Counter)
    uploads: Counter[str] = field(default_factory=Counter)
    credit_queries: int = 0
    file_downloads: int = 0
    auth_failures: int = 0
    faults_served: int = 0
    callbacks_sent: int = 0
    callbacks_failed: int = 0
    callbacks_lost: int = 0
    attempts: list[CallbackAttempt] = field(default_factory=list)

    def clear(self) -> None:
        fresh = Counters()
        for counter in dataclasses.fields(self):
            setattr(self, counter.name, getattr(fresh, counter.name))

    def snapshot(self, *, credits: float, pending: int, tasks: list[Task]) -> SimStats:
        return SimStats(
            creates=dict(self.creates),
            creates_by_model=dict(self.creates_by_model),
            rejected_creates=self.rejected_creates,
            record_queries=self.record_queries,
            record_queries_by_task=dict(self.record_queries_by_task),
            uploads=dict(self.uploads),
            credit_queries=self.credit_queries,
            file_downloads=self.file_downloads,
            auth_failures=self.auth_failures,
            faults_served=self.faults_served,
            credits=credits,
            callbacks=CallbackStats(
                sent=self.callbacks_sent,
                failed=self.callbacks_failed,
                lost=self.callbacks_lost,
                attempts=len(self.attempts),
                pending=pending,
            ),
            callback_attempts=tuple(self.attempts),
            tasks=tuple(TaskInfo.of(task) for task in tasks),
        )
