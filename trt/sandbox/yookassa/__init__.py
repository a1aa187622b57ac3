"""An offline YooKassa: the payments and refunds API v3, the payer's confirmation page and
notifications.

Written from YooKassa's public documentation alone; it imports nothing else from `trt`, so a
misreading of the docs in the bot's client cannot hide in a shared parser.
"""

from trt.sandbox.yookassa.faults import Fault
from trt.sandbox.yookassa.notifications import NotificationAttempt, NotificationPolicy
from trt.sandbox.yookassa.payments import PaymentNotPending
from trt.sandbox.yookassa.refunds import RefundNotPending, RefundStatus
from trt.sandbox.yookassa.server import YooKassaSimulator

__all__ = [
    "Fault",
    "NotificationAttempt",
    "NotificationPolicy",
    "PaymentNotPending",
    "RefundNotPending",
    "RefundStatus",
    "YooKassaSimulator",
]
