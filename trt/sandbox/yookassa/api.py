"""The API paths: `POST /v3/payments` and `GET /v3/payments/{id}` (Basic auth checked by the
server's middleware).

A create needs an `Idempotence-Key` header (at most 64 characters). The same key with the
same body answers what the first request answered, and makes no second payment; the same key
with another body is refused.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from trt.sandbox.yookassa.errors import ApiError, error_response, invalid
from trt.sandbox.yookassa.payments import Payment, fingerprint, new_payment_id
from trt.sandbox.yookassa.validation import check_create

if TYPE_CHECKING:
    from trt.sandbox.yookassa.server import YooKassaSimulator

KEY_HEADER = "Idempotence-Key"
KEY_MAX = 64


class PaymentsApi:
    def __init__(self, sim: YooKassaSimulator) -> None:
        self._sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v3/payments", self.create),
            web.get("/v3/payments/{payment_id}", self.read),
        ]

    async def create(self, request: web.Request) -> web.Response:
        try:
            body = await json_body(request)
            key = idempotence_key(request)
            used = self._sim.store.key_use(key)
            if used is not None:
                if used.fingerprint != fingerprint(body):
                    raise invalid("Idempotence key duplicated", KEY_HEADER)
                return web.json_response(used.answer)
            amount = check_create(body, receipt_required=self._sim.receipt_required)
        except ApiError as error:
            return error.response()
        payment_id = new_payment_id()
        confirmation = body["confirmation"]
        payment = Payment(
            id=payment_id,
            amount={"value": f"{amount:.2f}", "currency": body["amount"]["currency"]},
            description=body.get("description"),
            metadata=dict(body.get("metadata") or {}),
            receipt=body.get("receipt"),
            return_url=confirmation["return_url"],
            confirmation_url=f"{self._sim.public_url}/checkout/{payment_id}",
            capture=bool(body.get("capture", False)),
            shop_id=self._sim.shop_id,
        )
        return web.json_response(self._sim.store.add(payment, key=key, body=body))

    async def read(self, request: web.Request) -> web.Response:
        payment = self._sim.store.get(request.match_info["payment_id"])
        if payment is None:
            return error_response(404, "Payment not found", parameter="payment_id")
        return web.json_response(payment.to_json())


def idempotence_key(request: web.Request) -> str:
    """The create's Idempotence-Key header (1 to 64 characters), or a 400 `invalid_request`."""
    key = request.headers.get(KEY_HEADER, "")
    if not 0 < len(key) <= KEY_MAX:
        raise invalid("Idempotence-Key header is missing or too long", KEY_HEADER)
    return key


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read())
    except (ValueError, RecursionError):
        raise ApiError(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body
