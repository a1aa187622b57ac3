"""Error replies shaped like the Bot API's: ``{"ok": false, "error_code", "description"}``.

A method raises :class:`ApiError`; the HTTP layer turns it into the JSON body and the HTTP
status Telegram would use. ``reason`` is the emulator's own explanation (never sent to the
bot) so tests can tell apart failures that share one Telegram description.
"""

from __future__ import annotations

from typing import Any

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
WRONG_FILE = "wrong file identifier/HTTP URL specified"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
BLOCKED = "bot was blocked by the user"
CONFLICT_POLLING = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class ApiError(Exception):
    """A refusal the emulator sends back to the bot."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.reason = reason

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.description!r})"


def bad_request(text: str, *, reason: str | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {text}", reason=reason)


def forbidden(text: str) -> ApiError:
    return ApiError(403, f"Forbidden: {text}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def entity_too_large(*, reason: str | None = None) -> ApiError:
    return ApiError(413, "Request Entity Too Large", reason=reason)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def default_description(status: int) -> str:
    """The description Telegram sends with a bare status, for injected faults."""
    known = {
        400: "Bad Request",
        401: "Unauthorized",
        403: f"Forbidden: {BLOCKED}",
        404: "Not Found",
        409: CONFLICT_POLLING,
        413: "Request Entity Too Large",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    return known.get(status, f"Error {status}")
