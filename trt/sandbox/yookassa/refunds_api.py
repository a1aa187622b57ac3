"""The refund paths: `POST /v3/refunds` and `GET /v3/refunds/{id}` (Basic auth checked by the
server's middleware). A create needs an `Idempotence-Key` header of at most 64 characters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from trt.sandbox.yookassa.api import idempotence_key, json_body
from trt.sandbox.yookassa.errors import ApiError, error_response

if TYPE_CHECKING:
    from trt.sandbox.yookassa.server import YooKassaSimulator


class RefundsApi:
    def __init__(self, sim: YooKassaSimulator) -> None:
        self._sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v3/refunds", self.create),
            web.get("/v3/refunds/{refund_id}", self.read),
        ]

    async def create(self, request: web.Request) -> web.Response:
        try:
            body = await json_body(request)
            key = idempotence_key(request)
            return web.json_response(self._sim.refunds.create(body, key=key))
        except ApiError as error:
            return error.response()

    async def read(self, request: web.Request) -> web.Response:
        refund = self._sim.refunds.get(request.match_info["refund_id"])
        if refund is None:
            return error_response(404, "Refund not found", parameter="refund_id")
        return web.json_response(refund.to_json())
