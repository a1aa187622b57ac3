"""Every call the bot made, with its parameters, uploaded files and outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trt.sandbox.botapi.changes import ChangeSignal
from trt.sandbox.botapi.errors import ApiError
from trt.sandbox.botapi.params import Upload


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, Upload]
    result: Any
    error: ApiError | None
    at: float

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class CallLog:
    entries: list[Call] = field(default_factory=list)
    changes: ChangeSignal = field(default_factory=ChangeSignal)

    def add(self, call: Call) -> None:
        self.entries.append(call)
        self.changes.bump()

    def calls(self, method: str | None = None) -> list[Call]:
        if method is None:
            return list(self.entries)
        wanted = method.lower()
        return [call for call in self.entries if call.method.lower() == wanted]

    def sent(self, method: str) -> list[Call]:
        """Successful calls of ``method``: what actually reached the user."""
        return [call for call in self.calls(method) if call.ok]

    def count_status(self, status: int) -> int:
        return sum(1 for call in self.entries if call.error and call.error.status == status)
