"""Optional error reporting to Sentry (`SENTRY_DSN`).

Started by the composition root after the HTTP port is open, in a thread: `sentry_sdk` is
imported only there (importing and starting it takes ~0.4 s), and `trt.web` never imports this
module. Errors reach
Sentry through the logs: every `log.error(...)`, such as the update error router's
`bot.handler_failed` with its traceback, becomes an event named after the log event; unhandled
errors of aiohttp routes are caught by Sentry's aiohttp integration. `before_send` passes every
string of an event (messages, breadcrumbs with Bot API URLs, request data) through the same
redaction as the logs, so the bot token and the other secrets never leave.
"""

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from trt.logs import SecretRedactor

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

FLUSH_SECONDS = 2.0


class EventScrubber:
    """`before_send`: names log events by their structlog event and redacts secrets."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._redactor = SecretRedactor(secrets)

    def __call__(self, event: "Event", hint: "Hint") -> "Event":
        record = hint.get("log_record")
        if isinstance(record, logging.LogRecord) and isinstance(record.msg, Mapping):
            # structlog hands the stdlib record its whole event dict: the event name groups
            # the issue, the other fields (the traceback among them) are its details.
            fields: dict[str, Any] = dict(record.msg)
            event["logentry"] = {"message": str(fields.pop("event", record.name)), "params": []}
            event["extra"] = {**event.get("extra", {}), **fields}
        scrubbed: Event = self._redactor(None, "sentry", dict(event))  # type: ignore[assignment]
        return scrubbed


def start_sentry(*, dsn: str, environment: str, release: str, secrets: Iterable[str]) -> None:
    """Import and start the SDK; blocks for ~0.4 s, so run it in a thread."""
    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        before_send=EventScrubber(secrets),
        include_local_variables=False,  # locals may hold tokens in shapes redaction misses
        integrations=[LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
    )


def stop_sentry() -> None:
    """Send what is queued (for at most FLUSH_SECONDS) and stop; blocks, so run it in a
    thread."""
    import sentry_sdk

    sentry_sdk.get_client().close(timeout=FLUSH_SECONDS)
