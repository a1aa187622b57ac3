"""HTTP controls under `/_sim/` for tests and tools in other processes.

GET  /_sim/stats                     counters and tasks (SimStats as JSON)
GET  /_sim/scenario                  the scenario in force
POST /_sim/scenario                  replace it: a Scenario as JSON
POST /_sim/behaviour                 {"model": id | null, "behaviour": Behaviour}
POST /_sim/models                    {"models": [ids] | null} known Market models
GET  /_sim/faults                    armed faults with their remaining counts
POST /_sim/faults                    arm a Fault
DELETE /_sim/faults                  disarm all
GET  /_sim/tasks                     every task
GET  /_sim/tasks/{id}                one task (404 when unknown)
POST /_sim/tasks/{id}/complete       {"outcome": "success" | "fail" | "content_policy"}
POST /_sim/credits                   {"credits": number}
GET  /_sim/uploads                   what was uploaded
POST /_sim/callbacks/wait            {"timeout": s} → {"idle": bool}
POST /_sim/reset                     back to the state after start
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trt.sandbox.kie.api import read_json_object
from trt.sandbox.kie.lifecycle import TaskNotRunningError
from trt.sandbox.kie.scenario import Behaviour, Fault, Outcome, Scenario

if TYPE_CHECKING:
    from trt.sandbox.kie.server import KieSimulator

M = TypeVar("M", bound=BaseModel)


class _BehaviourRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str | None = None
    behaviour: Behaviour


class _ModelsRequest(BaseModel):
    models: list[str] | None


class _CompleteRequest(BaseModel):
    outcome: Outcome = Outcome.SUCCESS


class _CreditsRequest(BaseModel):
    credits: float = Field(ge=0)


class _WaitRequest(BaseModel):
    timeout: float = Field(default=5.0, gt=0, le=120)


def _problem(status: int, detail: Any) -> web.Response:
    return web.json_response({"error": detail}, status=status)


async def _parse(request: web.Request, model: type[M]) -> M | web.Response:
    body = await read_json_object(request)
    if not isinstance(body, dict):
        return _problem(400, body.msg)
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        return _problem(400, exc.errors(include_url=False, include_context=False))


class ControlApi:
    def __init__(self, simulator: KieSimulator) -> None:
        self._simulator = simulator

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_sim/stats", self.stats),
            web.get("/_sim/scenario", self.get_scenario),
            web.post("/_sim/scenario", self.set_scenario),
            web.post("/_sim/behaviour", self.set_behaviour),
            web.post("/_sim/models", self.register_models),
            web.get("/_sim/faults", self.list_faults),
            web.post("/_sim/faults", self.inject_fault),
            web.delete("/_sim/faults", self.clear_faults),
            web.get("/_sim/tasks", self.list_tasks),
            web.get("/_sim/tasks/{task_id}", self.get_task),
            web.post("/_sim/tasks/{task_id}/complete", self.complete_task),
            web.post("/_sim/credits", self.set_credits),
            web.get("/_sim/uploads", self.list_uploads),
            web.post("/_sim/callbacks/wait", self.wait_callbacks),
            web.post("/_sim/reset", self.reset),
        ]

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(self._simulator.stats().to_json())

    async def get_scenario(self, request: web.Request) -> web.Response:
        return web.json_response(self._simulator.scenario.model_dump(mode="json"))

    async def set_scenario(self, request: web.Request) -> web.Response:
        parsed = await _parse(request, Scenario)
        if isinstance(parsed, web.Response):
            return parsed
        self._simulator.set_scenario(parsed)
        return web.json_response(parsed.model_dump(mode="json"))

    async def set_behaviour(self, request: web.Request) -> web.Response:
        parsed = await _parse(request, _BehaviourRequest)
        if isinstance(parsed, web.Response):
            return parsed
        self._simulator.set_behaviour(parsed.behaviour, model=parsed.model)
        return web.json_response(self._simulator.scenario.model_dump(mode="json"))

    async def register_models(self, request: web.Request) -> web.Response:
        parsed = await _parse(request, _ModelsRequest)
        if isinstance(parsed, web.Response):
            return parsed
        self._simulator.register_models(parsed.models)
        return web.json_response({"models": parsed.models})

    async def list_faults(self, request: web.Request) -> web.Response:
        faults = [fault.model_dump(mode="json") for fault in self._simulator.faults()]
        return web.json_response({"faults": faults})

    async def inject_fault(self, request: web.Request) -> web.Response:
        parsed = await _parse(request, Fault)
        if isinstance(parsed, web.Response):
            return parsed
        self._simulator.inject_fault(parsed)
        return web.json_response(parsed.model_dump(mode="json"))

    async def clear_faults(self, request: web.Request) -> web.Response:
        self._simulator.clear_faults()
        return web.json_response({"faults": []})

    async def list_tasks(self, request: web.Request) -> web.Response:
        tasks = [dataclasses.asdict(task) for task in self._simulator.tasks()]
        return web.json_response({"tasks": tasks})

    async def get_task(self, request: web.Request) -> web.Response:
        task = self._simulator.task(request.match_info["task_id"])
        if task is None:
            return _problem(404, "unknown task")
        return web.json_response(dataclasses.asdict(task))

    async def complete_task(self, request: web.Request) -> web.Response:
        parsed = await _parse(request, _CompleteRequest)
        if isinstance(parsed, web.Response):
            return parsed
        task_id = request.match_info["task_id"]
        try:
            self._simulator.complete_task(task_id, outcome=parsed.outcome)
        except KeyError:
            return _problem(404, "unknown task")
        except TaskNotRunningError:
            return _problem(409, "task already finished")
        except ValueError as exc:
            return _problem(400, str(exc))
        return web.json_response({"task_id": task_id, "outcome": parsed.outcome.value})

    async def set_credits(self, request: web.Request) -> web.Response:
        parsed = await _parse(request, _CreditsRequest)
        if isinstance(parsed, web.Response):
            return parsed
        self._simulator.set_credits(parsed.credits)
        return web.json_response({"credits": parsed.credits})

    async def list_uploads(self, request: web.Request) -> web.Response:
        base = self._simulator.public_url
        uploads = [stored.describe(base) for stored in self._simulator.uploads()]
        return web.json_response({"uploads": uploads})

    async def wait_callbacks(self, request: web.Request) -> web.Response:
        parsed = await _parse(request, _WaitRequest)
        if isinstance(parsed, web.Response):
            return parsed
        idle = await self._simulator.wait_callbacks(max_wait=parsed.timeout)
        return web.json_response({"idle": idle})

    async def reset(self, request: web.Request) -> web.Response:
        self._simulator.reset()
        return web.json_response({"reset": True})
