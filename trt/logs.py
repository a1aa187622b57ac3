"""Structured logging: structlog for our code, stdlib loggers routed through the same renderer.

Every line carries the context bound with `structlog.contextvars` (correlation id, user id,
job id…). A redaction processor removes secrets wherever they appear in a line.
"""

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

_TOKEN_PATTERNS = (
    re.compile(r"bot\d+:[A-Za-z0-9_-]{20,}"),  # Bot API URLs carry the token in the path
    re.compile(r"\d{6,}:[A-Za-z0-9_-]{30,}"),  # a bare bot token
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
)
REDACTED = "[redacted]"
_QUIET_LOGGERS = ("aiohttp.access", "aiogram.event", "asyncio", "alembic")


class SecretRedactor:
    """Replace known secret values and token-looking strings in every string of an event."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for pattern in _TOKEN_PATTERNS:
            text = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + REDACTED, text)
        return text

    def __call__(self, _: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        return self._walk(event_dict)  # type: ignore[no-any-return]

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, MutableMapping):
            return {key: self._walk(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self._walk(item) for item in value)
        if isinstance(value, BaseException):
            return self.redact(repr(value))
        return value


def configure_logging(
    *, level: str = "INFO", fmt: str = "console", secrets: Iterable[str] = (), stream: Any = None
) -> None:
    """Set up structlog and the stdlib root logger once, at process start."""
    redactor = SecretRedactor(secrets)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redactor,
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
