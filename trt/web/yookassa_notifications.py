"""`POST /payments/yookassa`: YooKassa's notifications; always a quick 200, whatever arrives.

YooKassa repeats a notification that does not get a 200, so an error here would only bring it
back. Nothing in the body is believed: it is read leniently for the payment id it names, and
that payment (or, for a `refund.*` event, that refund) is handed to the watcher, which re-reads
it through YooKassa's API in the background. Until the services are up (or when YooKassa is
off) the notification is only acknowledged; the watcher's scheduled re-reads settle the order
later.
"""

from dataclasses import dataclass
from typing import Protocol

import structlog
from aiohttp import web

from trt.domain.yookassa import MAX_NOTIFICATION_BYTES, parse_notification

log = structlog.get_logger(__name__)

YOOKASSA_PATH = "/payments/yookassa"


class PaymentWakeup(Protocol):
    def wake(self, payment_id: str) -> None: ...

    def wake_refund(self, *, payment_id: str, refund_id: str) -> None: ...


@dataclass
class YooKassaSlot:
    sink: PaymentWakeup | None = None  # filled once the services are up


YOOKASSA_SLOT = web.AppKey("yookassa_slot", YooKassaSlot)


async def yookassa_notification(request: web.Request) -> web.Response:
    try:
        body = await request.content.read(MAX_NOTIFICATION_BYTES + 1)
        wakeup = parse_notification(body)
        sink = request.app[YOOKASSA_SLOT].sink
        if wakeup is None:
            log.warning("yookassa.notification_unreadable", size=len(body))
        elif sink is None:
            log.info("yookassa.notification_early", payment_id=wakeup.payment_id)
        else:
            log.info("yookassa.notification", payment_id=wakeup.payment_id, claimed=wakeup.event)
            if wakeup.refund_id is not None:
                sink.wake_refund(payment_id=wakeup.payment_id, refund_id=wakeup.refund_id)
            else:
                sink.wake(wakeup.payment_id)
    except Exception:  # edge: YooKassa must get its 200 whatever went wrong here
        log.exception("yookassa.notification_failed")
    return web.json_response({})
