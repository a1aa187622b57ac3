"""HTTP controls of refunds under `/_sim/`, for tests and tools in other processes.

GET  /_sim/refunds                          every refund, in the API's shape
GET  /_sim/refunds/{id}                     one refund (404 when unknown)
POST /_sim/refunds/plan                     {"status": "canceled" | "pending", "count", "reason"}:
                                            the next refunds fail (are cancelled) or stay pending
POST /_sim/refunds/{id}/succeed             a pending refund succeeds (notification sent)
POST /_sim/refunds/{id}/cancel              a pending refund is cancelled
POST /_sim/payments/{id}/refund             a refund made in YooKassa's dashboard:
                                            {"amount": "150.00"} or the whole rest
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from aiohttp import web

from trt.sandbox.yookassa.control import json_object, problem
from trt.sandbox.yookassa.refunds import DEFAULT_FAILURE, RefundNotPending, RefundStatus

if TYPE_CHECKING:
    from trt.sandbox.yookassa.server import YooKassaSimulator

MAX_PLANNED = 50


class RefundControl:
    def __init__(self, sim: YooKassaSimulator) -> None:
        self._sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_sim/refunds", self.refunds),
            web.post("/_sim/refunds/plan", self.plan),
            web.get("/_sim/refunds/{refund_id}", self.refund),
            web.post("/_sim/refunds/{refund_id}/{action:succeed|cancel}", self.settle),
            web.post("/_sim/payments/{payment_id}/refund", self.from_dashboard),
        ]

    async def refunds(self, _: web.Request) -> web.Response:
        return web.json_response([refund.to_json() for refund in self._sim.refunds.all()])

    async def refund(self, request: web.Request) -> web.Response:
        found = self._sim.refunds.get(request.match_info["refund_id"])
        if found is None:
            return problem(404, "no such refund")
        return web.json_response(found.to_json())

    async def plan(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        try:
            status = RefundStatus(body.get("status", RefundStatus.CANCELED.value))
            count = int(body.get("count", 1))
            reason = str(body.get("reason", DEFAULT_FAILURE))
            if 1 <= count <= MAX_PLANNED:
                self._sim.refunds.plan(status, count=count, reason=reason)
                return web.json_response({"status": status.value, "count": count})
        except (TypeError, ValueError):
            pass  # answered below, like any other plan that is not one
        return problem(400, "a plan is {status: canceled|pending, count: 1-50, reason}")

    async def settle(self, request: web.Request) -> web.Response:
        refund_id, action = request.match_info["refund_id"], request.match_info["action"]
        status = RefundStatus.SUCCEEDED if action == "succeed" else RefundStatus.CANCELED
        try:
            refund = self._sim.refunds.settle(refund_id, status)
        except KeyError:
            return problem(404, "no such refund")
        except RefundNotPending as error:
            return problem(409, str(error))
        return web.json_response(refund.to_json())

    async def from_dashboard(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        try:
            raw = body.get("amount")
            amount = None if raw is None else Decimal(str(raw))
            refund = self._sim.refunds.from_dashboard(
                request.match_info["payment_id"], amount=amount
            )
        except KeyError:
            return problem(404, "no such payment")
        except (ValueError, InvalidOperation) as error:
            return problem(409, str(error))
        return web.json_response(refund.to_json())
