"""Named crash points, for recovery tests: the process dies on the spot, like `kill -9`.

Off unless the operator (a test) names points in the TEST_CRASH_AT setting; then reaching one
ends the process at once with no cleanup, no flushing and no released locks.
"""

import os

import structlog

log = structlog.get_logger(__name__)

CRASH_EXIT_CODE = 137  # what a shell reports for a process killed by SIGKILL


class CrashPoints:
    def __init__(self, names: frozenset[str] = frozenset()) -> None:
        self._names = names

    @classmethod
    def parse(cls, spec: str | None) -> "CrashPoints":
        return cls(frozenset(part.strip() for part in (spec or "").split(",") if part.strip()))

    def hit(self, name: str) -> None:
        if name in self._names:
            log.warning("crashpoint.hit", point=name)
            os._exit(CRASH_EXIT_CODE)
