"""YooKassaSimulator: YooKassa's payments API v3, offline, on one aiohttp server.

The same server answers the API (`/v3/payments` and `/v3/refunds`, HTTP Basic auth with the
shop id and secret key, 401 `invalid_credentials` otherwise), the payer's confirmation page
(`/checkout/{id}`), and the controls (`/_sim/...`). Notifications go to `notification_url`,
like the URL a shop sets in YooKassa's dashboard. Written from YooKassa's public documentation
alone; it imports nothing else from `trt`.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from trt.sandbox.listening import Listener, StartStop
from trt.sandbox.yookassa.api import PaymentsApi
from trt.sandbox.yookassa.checkout import CheckoutPages
from trt.sandbox.yookassa.control import ControlApi
from trt.sandbox.yookassa.errors import error_response
from trt.sandbox.yookassa.faults import API_PREFIX, Fault, FaultInjector
from trt.sandbox.yookassa.notifications import (
    NotificationAttempt,
    NotificationPolicy,
    NotificationSender,
)
from trt.sandbox.yookassa.payments import PaymentStore, Status
from trt.sandbox.yookassa.refund_control import RefundControl
from trt.sandbox.yookassa.refunds import RefundDesk
from trt.sandbox.yookassa.refunds_api import RefundsApi

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


class YooKassaSimulator(StartStop):
    def __init__(
        self,
        *,
        shop_id: str = "100500",
        secret_key: str = "test_sim_secret",  # noqa: S107 - a simulator's default
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        notification_url: str | None = None,
        receipt_required: bool = True,
        policy: NotificationPolicy | None = None,
    ) -> None:
        self.shop_id = shop_id
        self._secret_key = secret_key
        self._listener = Listener(name="YooKassa simulator", host=host, port=port)
        self._public_url = public_url.rstrip("/") if public_url else None
        self.receipt_required = receipt_required
        self.store = PaymentStore()
        self._sender = NotificationSender(policy=policy or NotificationPolicy())
        self._sender.url = notification_url
        self.refunds = RefundDesk(
            payments=self.store, notify=self._sender.send, receipt_required=receipt_required
        )
        self._faults = FaultInjector()
        self.requests: list[tuple[str, str]] = []  # (method, path) of every API request

    @property
    def base_url(self) -> str:
        return self._listener.base_url

    @property
    def api_base(self) -> str:
        """What YOOKASSA_API_BASE points at."""
        return f"{self.base_url}/v3"

    @property
    def public_url(self) -> str:
        """The base of confirmation URLs handed to payers."""
        return self._public_url or self.base_url

    async def start(self) -> None:
        if self._listener.listening:
            raise RuntimeError("the YooKassa simulator is already started")
        await self._sender.start()
        base_url = await self._listener.open(self._build_app())
        log.info("yookassa_sim.started base_url=%s", base_url)

    async def stop(self) -> None:
        await self._sender.stop()
        await self._listener.close()

    def _build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[self._check_auth, self._faults.middleware], client_max_size=MAX_BODY_BYTES
        )
        app.add_routes(PaymentsApi(self).routes())
        app.add_routes(RefundsApi(self).routes())
        app.add_routes(CheckoutPages(self).routes())
        app.add_routes(ControlApi(self).routes())
        app.add_routes(RefundControl(self).routes())
        return app

    @web.middleware
    async def _check_auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        self.requests.append((request.method, request.path))
        if not self._authorized(request.headers.get("Authorization", "")):
            return error_response(
                401, "Login or password is incorrect or the secret key is not activated"
            )
        return await handler(request)

    def _authorized(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return False
        expected = f"{self.shop_id}:{self._secret_key}".encode()
        return secrets.compare_digest(given, expected)

    # Moving payments, as a payer or YooKassa would.

    def pay(self, payment_id: str) -> None:
        """The payer paid: pending -> succeeded (waiting_for_capture without `capture: true`),
        and the notification goes out."""
        found = self.store.get(payment_id)
        if found is None:
            raise KeyError(payment_id)
        status = Status.SUCCEEDED if found.capture else Status.WAITING_FOR_CAPTURE
        payment = self.store.settle(payment_id, status)
        self._sender.send(f"payment.{status.value}", payment.to_json())

    def cancel(self, payment_id: str, *, reason: str = "expired_on_confirmation") -> None:
        """The payer gave up (or the bank declined): pending -> canceled, notification sent."""
        details = {"party": "yoo_money", "reason": reason}
        payment = self.store.settle(payment_id, Status.CANCELED, reason=details)
        self._sender.send("payment.canceled", payment.to_json())

    def expire(self, payment_id: str) -> None:
        """Nobody paid in time."""
        self.cancel(payment_id, reason="expired_on_confirmation")

    def resend(self, payment_id: str, *, copies: int = 1) -> None:
        """Send the payment's notification again (a settled payment's, as YooKassa would)."""
        payment = self.store.get(payment_id)
        if payment is None:
            raise KeyError(payment_id)
        if payment.status is Status.PENDING:
            raise ValueError("YooKassa sends no notification for a pending payment")
        self._sender.duplicate_next(copies)
        self._sender.send(f"payment.{payment.status.value}", payment.to_json())

    # Notifications.

    @property
    def notification_url(self) -> str | None:
        return self._sender.url

    @notification_url.setter
    def notification_url(self, url: str | None) -> None:
        self._sender.url = url

    def drop_next_notifications(self, count: int = 1) -> None:
        self._sender.drop_next(count)

    def duplicate_next_notification(self, copies: int) -> None:
        self._sender.duplicate_next(copies)

    @property
    def notifications(self) -> list[NotificationAttempt]:
        return list(self._sender.attempts)

    async def wait_notifications(self, timeout: float = 5.0) -> bool:  # noqa: ASYNC109 - bounded
        return await self._sender.wait_idle(timeout)

    # Faults and observations.

    def inject_fault(self, fault: Fault) -> None:
        self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def payment(self, payment_id: str) -> dict[str, Any] | None:
        found = self.store.get(payment_id)
        return None if found is None else found.to_json()

    def payments(self) -> list[dict[str, Any]]:
        return [payment.to_json() for payment in self.store.all()]

    def receipt(self, payment_id: str) -> dict[str, Any] | None:
        """The 54-FZ receipt the shop sent with the payment (the API does not show it back)."""
        found = self.store.get(payment_id)
        return None if found is None else found.receipt
