"""A Telegram Bot API emulator for offline runs and tests (imports nothing else from trt)."""

from trt.sandbox.botapi.chats import Chat, StoredMessage
from trt.sandbox.botapi.checkout import PaymentOutcome
from trt.sandbox.botapi.errors import ApiError
from trt.sandbox.botapi.params import Upload
from trt.sandbox.botapi.recording import Call
from trt.sandbox.botapi.server import BotApiEmulator
from trt.sandbox.botapi.user import PressResult, UserDriver
from trt.sandbox.botapi.webhook import WebhookDelivery

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "Call",
    "Chat",
    "PaymentOutcome",
    "PressResult",
    "StoredMessage",
    "Upload",
    "UserDriver",
    "WebhookDelivery",
]
