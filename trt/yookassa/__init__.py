"""YooKassa: the API v3 client for card / SBP payments and its error tree."""

from trt.httpclient import RetryPolicy
from trt.yookassa.client import YooKassaClient
from trt.yookassa.errors import (
    YooKassaAuthError,
    YooKassaError,
    YooKassaNotFound,
    YooKassaPermanentError,
    YooKassaTransientError,
)

__all__ = [
    "RetryPolicy",
    "YooKassaAuthError",
    "YooKassaClient",
    "YooKassaError",
    "YooKassaNotFound",
    "YooKassaPermanentError",
    "YooKassaTransientError",
]
