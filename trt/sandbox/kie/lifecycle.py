"""Moves tasks through their plans on the event loop.

A running task owns at most one `loop.call_later` handle and no coroutine, so ten thousand
running tasks cost ten thousand timer entries. Steps are spaced evenly over the latency:
step i of n happens at latency * i / (n - 1) after creation.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from trt.sandbox.kie.scenario import Outcome
from trt.sandbox.kie.tasks import Phase, Task, plan_for


def now_ms() -> int:
    return int(time.time() * 1000)


class TaskNotRunningError(Exception):
    """complete_task was called on a task that already reached success or fail."""


class Lifecycle:
    def __init__(self, *, on_enter: Callable[[Task], None]) -> None:
        self._on_enter = on_enter

    def start(self, task: Task) -> None:
        self._enter(task, task.plan[0])
        self._schedule(task)

    def complete(self, task: Task, outcome: Outcome) -> None:
        """Run the rest of the task's plan for `outcome` at once."""
        if task.terminal:
            raise TaskNotRunningError(task.task_id)
        if outcome is Outcome.NEVER:
            raise ValueError("a task cannot be completed with outcome 'never'")
        task.cancel_timer()
        task.outcome = outcome
        plan = plan_for(task.family, outcome)
        # A phase the new plan lacks (e.g. Suno text_success under content_policy): jump to the end.
        start = plan.index(task.phase) + 1 if task.phase in plan else len(plan) - 1
        for phase in plan[start:]:
            self._enter(task, phase)

    def _schedule(self, task: Task) -> None:
        plan = task.plan
        position = plan.index(task.phase)
        if position + 1 >= len(plan):
            return
        if task.held and task.phase is Phase.GENERATING:
            return
        delay = task.behaviour.latency / (len(plan) - 1)
        task.timer = asyncio.get_running_loop().call_later(delay, self._advance, task)

    def _advance(self, task: Task) -> None:
        task.timer = None
        plan = task.plan
        self._enter(task, plan[plan.index(task.phase) + 1])
        self._schedule(task)

    def _enter(self, task: Task, phase: Phase) -> None:
        task.phase = phase
        task.updated_ms = now_ms()
        if task.terminal:
            task.completed_ms = task.updated_ms
        self._on_enter(task)
