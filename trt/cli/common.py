"""What every sub-command does first: read settings, report a bad one in one line, set up logs."""

import sys

from trt.config import ConfigError, Settings, load_settings
from trt.logs import configure_logging


def settings_or_exit(*, require_run: bool = False) -> Settings | None:
    """Settings with logging configured, or None after printing one clear line to stderr."""
    return configure_from(require_run=require_run)


def configure_from(*, require_run: bool = True, **overrides: str) -> Settings | None:
    """Like `settings_or_exit`, with some settings given by the caller instead of the env."""
    try:
        settings = load_settings(**{name.lower(): value for name, value in overrides.items()})
        if require_run:
            settings.require_for_run()
    except ConfigError as exc:
        print(f"trt: configuration error: {exc}", file=sys.stderr)
        return None
    configure_logging(
        level=settings.log_level, fmt=settings.log_format, secrets=settings.secret_values()
    )
    return settings
