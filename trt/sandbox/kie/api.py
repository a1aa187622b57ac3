"""KIE's generation API: create and record endpoints per family, and the credit balance."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from trt.sandbox.kie import flux_kontext, gpt4o_image, market, runway, suno, veo
from trt.sandbox.kie.families import SHAPES
from trt.sandbox.kie.responses import ApiError, error, ok
from trt.sandbox.kie.simulation import Simulation
from trt.sandbox.kie.tasks import Family, JsonObject

RECORD_IS_NULL = ApiError(422, "recordInfo is null")
TASK_ID_REQUIRED = ApiError(400, "taskId parameter is required")

Validator = Callable[[JsonObject], ApiError | None]
ModelOf = Callable[[JsonObject], str]


async def read_json_object(request: web.Request) -> JsonObject | ApiError:
    try:
        body = await request.json()
    except ValueError:
        return ApiError(400, "request body must be JSON")
    if not isinstance(body, dict):
        return ApiError(400, "request body must be a JSON object")
    return body


def _market_model(body: JsonObject) -> str:
    return str(body["model"])


class KieApi:
    def __init__(self, simulation: Simulation) -> None:
        self._sim = simulation

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/api/v1/jobs/createTask", self.create_market),
            web.get("/api/v1/jobs/recordInfo", self.record_market),
            web.post("/api/v1/veo/generate", self.create_veo),
            web.get("/api/v1/veo/record-info", self.record_veo),
            web.post("/api/v1/generate", self.create_suno),
            web.get("/api/v1/generate/record-info", self.record_suno),
            web.post("/api/v1/flux/kontext/generate", self.create_flux_kontext),
            web.get("/api/v1/flux/kontext/record-info", self.record_flux_kontext),
            web.post("/api/v1/gpt4o-image/generate", self.create_gpt4o_image),
            web.get("/api/v1/gpt4o-image/record-info", self.record_gpt4o_image),
            web.post("/api/v1/runway/generate", self.create_runway),
            web.get("/api/v1/runway/record-detail", self.record_runway),
            web.get("/api/v1/chat/credit", self.credit),
        ]

    async def create_market(self, request: web.Request) -> web.Response:
        def validate(body: JsonObject) -> ApiError | None:
            return market.validate(body, known_models=self._sim.known_models)

        return await self._create(request, Family.MARKET, validate, _market_model)

    async def create_veo(self, request: web.Request) -> web.Response:
        return await self._create(request, Family.VEO, veo.validate, veo.model_of)

    async def create_suno(self, request: web.Request) -> web.Response:
        return await self._create(request, Family.SUNO, suno.validate, _market_model)

    async def create_flux_kontext(self, request: web.Request) -> web.Response:
        return await self._create(
            request, Family.FLUX_KONTEXT, flux_kontext.validate, flux_kontext.model_of
        )

    async def create_gpt4o_image(self, request: web.Request) -> web.Response:
        return await self._create(
            request, Family.GPT4O_IMAGE, gpt4o_image.validate, gpt4o_image.model_of
        )

    async def create_runway(self, request: web.Request) -> web.Response:
        return await self._create(request, Family.RUNWAY, runway.validate, runway.model_of)

    async def record_market(self, request: web.Request) -> web.Response:
        return self._record(request, Family.MARKET)

    async def record_veo(self, request: web.Request) -> web.Response:
        return self._record(request, Family.VEO)

    async def record_suno(self, request: web.Request) -> web.Response:
        return self._record(request, Family.SUNO)

    async def record_flux_kontext(self, request: web.Request) -> web.Response:
        return self._record(request, Family.FLUX_KONTEXT)

    async def record_gpt4o_image(self, request: web.Request) -> web.Response:
        return self._record(request, Family.GPT4O_IMAGE)

    async def record_runway(self, request: web.Request) -> web.Response:
        return self._record(request, Family.RUNWAY)

    async def credit(self, request: web.Request) -> web.Response:
        self._sim.counters.credit_queries += 1
        balance = float(self._sim.credits)  # an int may have been set from Python
        return ok(int(balance) if balance.is_integer() else balance)

    async def _create(
        self, request: web.Request, family: Family, validate: Validator, model_of: ModelOf
    ) -> web.Response:
        body = await read_json_object(request)
        if isinstance(body, ApiError):
            return self._reject(body)
        problem = validate(body) or self._sim.check_credits(model_of(body))
        if problem is not None:
            return self._reject(problem)
        callback_url = body.get("callBackUrl") or None
        task = self._sim.create(
            family=family, model=model_of(body), request=body, callback_url=callback_url
        )
        return ok({"taskId": task.task_id})

    def _reject(self, problem: ApiError) -> web.Response:
        self._sim.counters.rejected_creates += 1
        return error(problem, http_errors=self._sim.scenario.http_errors)

    def _record(self, request: web.Request, family: Family) -> web.Response:
        counters = self._sim.counters
        counters.record_queries += 1
        task_id = request.query.get("taskId", "")
        http_errors = self._sim.scenario.http_errors
        if not task_id:
            return error(TASK_ID_REQUIRED, http_errors=http_errors)
        counters.record_queries_by_task[task_id] += 1
        task = self._sim.store.get(task_id, family=family)
        if task is None:
            return error(RECORD_IS_NULL, http_errors=http_errors)
        return ok(SHAPES[family].record(task, self._sim.public_base))
