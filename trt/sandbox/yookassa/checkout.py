"""The confirmation page a payer opens (`confirmation_url`): the amount and two buttons.

"Pay" moves the payment to `succeeded`, "Cancel" to `canceled` (as when a payer gives up and
the payment expires), and either sends the notification. The page then shows the result with
a link back to the shop's `return_url`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from aiohttp import web

from trt.sandbox.yookassa.payments import Payment, PaymentNotPending, Status

if TYPE_CHECKING:
    from trt.sandbox.yookassa.server import YooKassaSimulator

PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ЮKassa (simulator)</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; }}
.amount {{ font-size: 2rem; margin: 1rem 0; }}
button {{ font-size: 1rem; padding: .6rem 1.4rem; margin-right: .5rem; cursor: pointer; }}
.status {{ padding: .6rem; background: #f2f2f2; border-radius: .4rem; }}
</style></head>
<body>
<h1>ЮKassa · simulator</h1>
<p>{description}</p>
<p class="amount">{amount} {currency}</p>
{body}
</body></html>
"""

STATUS_TEXT = {
    Status.PENDING: "Ожидает оплаты · Waiting for payment",
    Status.WAITING_FOR_CAPTURE: "Ожидает подтверждения · Waiting for capture",
    Status.SUCCEEDED: "Оплачено · Paid",
    Status.CANCELED: "Отменено · Cancelled",
}


class CheckoutPages:
    def __init__(self, sim: YooKassaSimulator) -> None:
        self._sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/checkout/{payment_id}", self.page),
            web.post("/checkout/{payment_id}/pay", self.pay),
            web.post("/checkout/{payment_id}/cancel", self.cancel),
        ]

    async def page(self, request: web.Request) -> web.Response:
        payment = self._payment(request)
        return web.Response(text=render(payment), content_type="text/html")

    async def pay(self, request: web.Request) -> web.Response:
        return self._act(request, succeeded=True)

    async def cancel(self, request: web.Request) -> web.Response:
        return self._act(request, succeeded=False)

    def _act(self, request: web.Request, *, succeeded: bool) -> web.Response:
        payment = self._payment(request)
        try:
            if succeeded:
                self._sim.pay(payment.id)
            else:
                self._sim.cancel(payment.id)
        except PaymentNotPending:
            pass  # a second press, or a second tab: the page shows how it ended
        raise web.HTTPSeeOther(f"/checkout/{payment.id}")

    def _payment(self, request: web.Request) -> Payment:
        payment = self._sim.store.get(request.match_info["payment_id"])
        if payment is None:
            raise web.HTTPNotFound(text="No such payment")
        return payment


def render(payment: Payment) -> str:
    status = f'<p class="status">{html.escape(STATUS_TEXT[payment.status])}</p>'
    if payment.status is Status.PENDING:
        base = f"/checkout/{html.escape(payment.id)}"
        body = (
            f'{status}<form method="post" action="{base}/pay" style="display:inline">'
            '<button type="submit" id="pay">Оплатить · Pay</button></form>'
            f'<form method="post" action="{base}/cancel" style="display:inline">'
            '<button type="submit" id="cancel">Отмена · Cancel</button></form>'
        )
    else:
        back = html.escape(payment.return_url, quote=True)
        body = (
            f'{status}<p><a id="back" href="{back}">Вернуться в магазин · Back to the shop</a></p>'
        )
    return PAGE.format(
        description=html.escape(payment.description or ""),
        amount=html.escape(str(payment.amount["value"])),
        currency=html.escape(str(payment.amount["currency"])),
        body=body,
    )
