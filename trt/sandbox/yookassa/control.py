"""HTTP controls under `/_sim/` for tests and tools in other processes.

GET    /_sim/payments                      every payment, in the API's shape
GET    /_sim/payments/{id}                 one payment (404 when unknown)
POST   /_sim/payments/{id}/pay             pending -> succeeded (waiting_for_capture without
                                           capture), notification sent
POST   /_sim/payments/{id}/cancel          pending -> canceled, notification sent
POST   /_sim/payments/{id}/expire          pending -> canceled (expired_on_confirmation)
POST   /_sim/payments/{id}/notify          send a settled payment's notification again;
                                           ?copies=N at once (409 while pending)
POST   /_sim/notifications/drop            lose the next ?count=N notifications (default 1)
POST   /_sim/notifications/duplicate       send the next notification ?copies=N times
GET    /_sim/notifications                 every delivery attempt
POST   /_sim/notification-url              {"url": "..."} where notifications go
POST   /_sim/faults                        arm a Fault: {"status", "count", "after_processing",
                                           "delay"}
DELETE /_sim/faults                        disarm all
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from trt.sandbox.yookassa.faults import Fault
from trt.sandbox.yookassa.payments import PaymentNotPending

if TYPE_CHECKING:
    from trt.sandbox.yookassa.server import YooKassaSimulator

MAX_COPIES = 50


class ControlApi:
    def __init__(self, sim: YooKassaSimulator) -> None:
        self._sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_sim/payments", self.payments),
            web.get("/_sim/payments/{payment_id}", self.payment),
            web.post("/_sim/payments/{payment_id}/{action:pay|cancel|expire|notify}", self.act),
            web.post("/_sim/notifications/drop", self.drop),
            web.post("/_sim/notifications/duplicate", self.duplicate),
            web.get("/_sim/notifications", self.notifications),
            web.post("/_sim/notification-url", self.notification_url),
            web.post("/_sim/faults", self.add_fault),
            web.delete("/_sim/faults", self.clear_faults),
        ]

    async def payments(self, _: web.Request) -> web.Response:
        return web.json_response(self._sim.payments())

    async def payment(self, request: web.Request) -> web.Response:
        found = self._sim.payment(request.match_info["payment_id"])
        if found is None:
            return problem(404, "no such payment")
        return web.json_response(found)

    async def act(self, request: web.Request) -> web.Response:
        payment_id, action = request.match_info["payment_id"], request.match_info["action"]
        if self._sim.payment(payment_id) is None:
            return problem(404, "no such payment")
        try:
            if action == "pay":
                self._sim.pay(payment_id)
            elif action == "cancel":
                self._sim.cancel(payment_id)
            elif action == "expire":
                self._sim.expire(payment_id)
            else:
                self._sim.resend(payment_id, copies=_count(request, "copies"))
        except (PaymentNotPending, ValueError) as error:
            return problem(409, str(error))
        return web.json_response(self._sim.payment(payment_id))

    async def drop(self, request: web.Request) -> web.Response:
        self._sim.drop_next_notifications(_count(request, "count"))
        return web.json_response({"ok": True})

    async def duplicate(self, request: web.Request) -> web.Response:
        self._sim.duplicate_next_notification(_count(request, "copies"))
        return web.json_response({"ok": True})

    async def notifications(self, _: web.Request) -> web.Response:
        return web.json_response([dataclasses.asdict(a) for a in self._sim.notifications])

    async def notification_url(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        url = body.get("url")
        if url is not None and not isinstance(url, str):
            return problem(400, "url must be a string or null")
        self._sim.notification_url = url
        return web.json_response({"url": url})

    async def add_fault(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        try:
            fault = Fault(
                status=int(body.get("status", 500)),
                count=int(body.get("count", 1)),
                after_processing=bool(body.get("after_processing", False)),
                delay=float(body.get("delay", 0.0)),
            )
        except (TypeError, ValueError):
            return problem(400, "a fault is {status, count, after_processing, delay}")
        self._sim.inject_fault(fault)
        return web.json_response(dataclasses.asdict(fault))

    async def clear_faults(self, _: web.Request) -> web.Response:
        self._sim.clear_faults()
        return web.json_response({"ok": True})


def _count(request: web.Request, name: str) -> int:
    raw = request.query.get(name, "1")
    value = int(raw) if raw.isdecimal() else 1
    return max(1, min(value, MAX_COPIES))


async def json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError:
        raise web.HTTPBadRequest(text="not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object is expected")
    return body


def problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)
