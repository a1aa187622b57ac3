"""Secrets never reach the logs, whatever shape they arrive in."""

import io
import json
import logging

import pytest
import structlog

from trt.logs import configure_logging

TOKEN = "7012345678:AAHk3JZ-secret-bot-token_value_123456"
KIE_KEY = "kie-live-9f8e7d6c5b4a"


@pytest.fixture
def log_stream() -> io.StringIO:
    stream = io.StringIO()
    configure_logging(level="DEBUG", fmt="json", secrets=[TOKEN, KIE_KEY], stream=stream)
    return stream


def test_secrets_are_redacted_from_structured_and_stdlib_lines(log_stream: io.StringIO) -> None:
    log = structlog.get_logger("test")
    structlog.contextvars.bind_contextvars(correlation_id="c-1")
    try:
        log.info("tg.request", url=f"https://api.telegram.org/bot{TOKEN}/getMe")
        log.info("kie.request", headers={"Authorization": f"Bearer {KIE_KEY}"})
        log.warning("nested", payload=[{"deep": f"token={TOKEN}"}])
        logging.getLogger("aiohttp.client").warning("GET /bot%s/sendMessage failed", TOKEN)
        try:
            raise RuntimeError(f"boom with {KIE_KEY}")
        except RuntimeError:
            log.exception("crash")
    finally:
        structlog.contextvars.clear_contextvars()

    text = log_stream.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert TOKEN not in text
    assert KIE_KEY not in text
    assert "AAHk3JZ" not in text
    assert len(lines) == 5
    assert lines[0]["correlation_id"] == "c-1"
    assert "[redacted]" in lines[0]["url"]


def test_an_unknown_bot_token_shape_in_a_url_is_redacted_too(log_stream: io.StringIO) -> None:
    other = "5550001111:ZZtopSecretTokenThatWasNeverConfigured"
    structlog.get_logger("test").info("x", url=f"https://example.test/bot{other}/getUpdates")
    assert other not in log_stream.getvalue()
