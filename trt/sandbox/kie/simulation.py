"""The simulated KIE account: tasks, scenario, credits, and which callbacks each phase sends.

Callback modes, applied to the callbacks a family sends (Market and Veo: the terminal one;
Suno: text, first, complete or error):

    normal        each callback once
    lost          none (counted as lost)
    duplicate     each callback `callback_copies` times in a row
    delayed       each callback after `callback_delay` seconds
    out_of_order  non-terminal callbacks are withheld and sent after the terminal one; Market
                  and Veo, which have none, get a stale "generating" body captured at that phase
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterable

from trt.sandbox.kie.callbacks import CallbackSender
from trt.sandbox.kie.families import SHAPES, Shape
from trt.sandbox.kie.lifecycle import Lifecycle, now_ms
from trt.sandbox.kie.media import MediaKind, kind_for_model
from trt.sandbox.kie.responses import ApiError
from trt.sandbox.kie.scenario import Behaviour, CallbackMode, Outcome, Scenario
from trt.sandbox.kie.stats import Counters
from trt.sandbox.kie.tasks import Family, JsonObject, Phase, Task, TaskStore

log = logging.getLogger(__name__)

INSUFFICIENT_CREDITS = ApiError(402, "Credits insufficient")


class Simulation:
    def __init__(
        self,
        *,
        scenario: Scenario,
        credits: float,
        counters: Counters,
        sender: CallbackSender,
    ) -> None:
        self._initial = (scenario, credits)
        self.scenario = scenario
        self.credits = credits
        self.known_models: frozenset[str] | None = None
        self.counters = counters
        self.store = TaskStore()
        # Where result files are served; set by the server once its port is known.
        self.public_base = ""
        self._rng = random.Random(scenario.seed)
        self._sender = sender
        self._lifecycle = Lifecycle(on_enter=self._on_enter)

    def set_scenario(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._rng = random.Random(scenario.seed)

    def register_models(self, models: Iterable[str] | None) -> None:
        self.known_models = None if models is None else frozenset(models)

    def check_credits(self, model: str) -> ApiError | None:
        cost = self.scenario.behaviour_for(model).cost
        return INSUFFICIENT_CREDITS if self.credits < cost else None

    def create(
        self, *, family: Family, model: str, request: JsonObject, callback_url: str | None
    ) -> Task:
        behaviour = self.scenario.behaviour_for(model)
        task = Task(
            task_id=_new_task_id(family),
            family=family,
            model=model,
            callback_url=callback_url,
            request=request,
            behaviour=behaviour,
            outcome=self._decide_outcome(behaviour),
            media=behaviour.media or _default_media(family, model),
            created_ms=now_ms(),
        )
        self.store.add(task)
        self.counters.creates[family.value] += 1
        self.counters.creates_by_model[model] += 1
        log.info("kie_sim.task_created task_id=%s model=%s", task.task_id, model)
        self._lifecycle.start(task)
        return task

    def complete(self, task_id: str, outcome: Outcome) -> Task:
        """Finish a running task now; KeyError if unknown, TaskNotRunningError if finished."""
        task = self.store.get(task_id)
        if task is None:
            raise KeyError(task_id)
        self._lifecycle.complete(task, outcome)
        return task

    def reset(self) -> None:
        self._sender.cancel_all()
        self.store.clear()
        self.counters.clear()
        scenario, credits = self._initial
        self.set_scenario(scenario)
        self.credits = credits
        self.known_models = None

    def _decide_outcome(self, behaviour: Behaviour) -> Outcome:
        may_fail = behaviour.outcome is Outcome.SUCCESS and behaviour.failure_rate > 0
        if may_fail and self._rng.random() < behaviour.failure_rate:
            return Outcome.FAIL
        return behaviour.outcome

    def _on_enter(self, task: Task) -> None:
        if task.phase is Phase.SUCCESS:
            task.credits_consumed = task.behaviour.cost
            self.credits -= task.behaviour.cost
        if task.terminal:
            log.info("kie_sim.task_finished task_id=%s state=%s", task.task_id, task.phase)
        if task.callback_url is not None:
            self._dispatch(task, task.callback_url, SHAPES[task.family])

    def _dispatch(self, task: Task, url: str, shape: Shape) -> None:
        behaviour = task.behaviour
        if behaviour.callback is CallbackMode.OUT_OF_ORDER:
            self._dispatch_out_of_order(task, url, shape)
            return
        callback = shape.callback(task, self.public_base)
        if callback is None:
            return
        if behaviour.callback is CallbackMode.LOST:
            self.counters.callbacks_lost += 1
            return
        copies = behaviour.callback_copies if behaviour.callback is CallbackMode.DUPLICATE else 1
        delayed = behaviour.callback is CallbackMode.DELAYED
        delay = behaviour.callback_delay if delayed else 0.0
        self._sender.deliver(task.task_id, url, [callback] * copies, delay=delay)

    def _dispatch_out_of_order(self, task: Task, url: str, shape: Shape) -> None:
        if task.phase is Phase.GENERATING:
            stale = shape.stale(task, self.public_base)
            if stale is not None:
                task.deferred.append(stale)
        callback = shape.callback(task, self.public_base)
        if callback is None:
            return
        if not task.terminal:
            task.deferred.append(callback)
            return
        self._sender.deliver(task.task_id, url, [callback, *task.deferred])
        task.deferred.clear()


def _new_task_id(family: Family) -> str:
    token = uuid.uuid4().hex
    return f"veo_{token}" if family is Family.VEO else token


def _default_media(family: Family, model: str) -> MediaKind:
    if family is Family.SUNO:
        return MediaKind.AUDIO
    if family in (Family.VEO, Family.RUNWAY):
        return MediaKind.VIDEO
    return kind_for_model(model)
