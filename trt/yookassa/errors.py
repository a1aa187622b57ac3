"""Errors raised by the YooKassa client, split by what the caller should do next.

YooKassaError                  http_status, code (the error body's `code`), message
├── YooKassaTransientError     try again (with the same Idempotence-Key): timeouts,
│                              connection errors, 429, 5xx, 202 "processing", an unreadable
│                              answer. YooKassa: after a 500 "the result is unknown".
└── YooKassaPermanentError     do not retry: 400, 403, 405, 415, other 4xx
    ├── YooKassaAuthError      401 invalid_credentials: wrong shop id or secret key
    └── YooKassaNotFound       404, or an id that cannot be a YooKassa payment id
"""

from typing import Final

_TRANSIENT_4XX: Final = frozenset({408, 429})


class YooKassaError(Exception):
    def __init__(self, message: str, *, http_status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} (http_status={self.http_status}, code={self.code})"


class YooKassaTransientError(YooKassaError):
    """Worth retrying: YooKassa or the network was busy, slow or broken."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, http_status=http_status, code=code)
        self.retry_after = retry_after  # seconds YooKassa asked us to wait, when it said


class YooKassaPermanentError(YooKassaError):
    """Retrying the same request would fail the same way."""


class YooKassaAuthError(YooKassaPermanentError):
    """401: the shop id or the secret key is wrong."""


class YooKassaNotFound(YooKassaPermanentError):
    """404: YooKassa does not know this payment."""


def classify(http_status: int) -> type[YooKassaError] | None:
    """The error class for an HTTP status, or None for 200."""
    if http_status == 200:
        return None
    if http_status == 401:
        return YooKassaAuthError
    if http_status == 404:
        return YooKassaNotFound
    if http_status in _TRANSIENT_4XX or http_status >= 500 or http_status == 202:
        return YooKassaTransientError
    return YooKassaPermanentError
