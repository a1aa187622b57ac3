"""The Bot API methods the emulator implements, by case-insensitive name."""

from __future__ import annotations

from trt.sandbox.botapi.context import Handler
from trt.sandbox.botapi.methods import bot, media, messages, payments

METHODS: dict[str, Handler] = {
    **bot.HANDLERS,
    **messages.HANDLERS,
    **media.HANDLERS,
    **payments.HANDLERS,
}
_BY_LOWER = {name.lower(): name for name in METHODS}


def lookup(name: str) -> tuple[str, Handler] | None:
    """The canonical name and handler of a method, whatever the case it was called with."""
    canonical = _BY_LOWER.get(name.lower())
    if canonical is None:
        return None
    return canonical, METHODS[canonical]
