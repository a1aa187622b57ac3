"""Errors raised by the KIE client, split by what the caller should do next.

    KieError                      http_status, code (the body's `code`), message
    ├── KieTransientError         try again later: 408, 429, 455, 5xx except 501/505,
    │   │                         timeouts, connection errors, invalid or truncated JSON
    │   └── KieRateLimited        429 ("rejected requests will not enter the queue")
    └── KiePermanentError         do not retry: 401, 402, 404, 422, 433, 451, 501, 505, other 4xx
        ├── KieAuthError          401: the API key is missing or wrong
        ├── KieInsufficientCredits 402: the KIE account is out of credits
        ├── KieTaskNotFound       a record endpoint does not know the task id
        └── KieInvalidRequest     refused before sending (also a ValueError)

KIE answers HTTP 200 with a failing `code` in the body, and sometimes a real HTTP 4xx/5xx
(REFERENCE §1), so `classify` looks at both: a failing body code wins, because that is where
KIE puts its meaning; a proxy's error page carries only the HTTP status.
"""

from typing import Final

# 501 "generation failed" and 505 "feature disabled" would fail again the same way.
_PERMANENT_5XX: Final = frozenset({501, 505})
_TRANSIENT_4XX: Final = frozenset({408, 429, 455})


class KieError(Exception):
    """A KIE request failed; `code` is the body's `code` when the body had one."""

    def __init__(
        self, message: str, *, http_status: int | None = None, code: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} (http_status={self.http_status}, code={self.code})"


class KieTransientError(KieError):
    """Worth retrying with backoff: KIE or the network was busy, slow or broken."""


class KieRateLimited(KieTransientError):
    """HTTP or body code 429."""


class KiePermanentError(KieError):
    """Retrying the same request will fail the same way."""


class KieAuthError(KiePermanentError):
    """401: the API key is missing, wrong or not allowed from this IP."""


class KieInsufficientCredits(KiePermanentError):
    """402: the KIE account has too few credits."""


class KieTaskNotFound(KiePermanentError):
    """The record endpoint does not know this task id (404, or 422 "recordInfo is null")."""


class KieInvalidRequest(KiePermanentError, ValueError):
    """The request was refused before it was sent (e.g. Suno without a callback URL)."""


def is_success(http_status: int, body_code: int | None) -> bool:
    """True when neither the HTTP status nor the body's `code` reports a failure."""
    return 200 <= http_status < 300 and body_code in (None, 200)


def classify(http_status: int, body_code: int | None) -> type[KieError] | None:
    """The error class for a response, or None when the response is a success."""
    if is_success(http_status, body_code):
        return None
    code = body_code if body_code not in (None, 200) else http_status
    if code == 401:
        return KieAuthError
    if code == 402:
        return KieInsufficientCredits
    if code == 429:
        return KieRateLimited
    if code in _TRANSIENT_4XX or (500 <= code < 600 and code not in _PERMANENT_5XX):
        return KieTransientError
    return KiePermanentError
