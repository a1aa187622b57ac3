"""What the simulated KIE does with each task, and which API faults it injects.

A `Scenario` is immutable and replaced as a whole. Each task copies the `Behaviour` of its
model when it is created, so changing the scenario never changes a task already running.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from trt.sandbox.kie.media import MediaKind


class Outcome(StrEnum):
    SUCCESS = "success"
    FAIL = "fail"
    CONTENT_POLICY = "content_policy"
    NEVER = "never"


class CallbackMode(StrEnum):
    NORMAL = "normal"
    LOST = "lost"
    DUPLICATE = "duplicate"
    OUT_OF_ORDER = "out_of_order"
    DELAYED = "delayed"


class Behaviour(BaseModel):
    """How tasks of one model (or of every model without an override) behave."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency: float = Field(default=1.0, ge=0, description="seconds from create to terminal")
    outcome: Outcome = Outcome.SUCCESS
    failure_rate: float = Field(default=0.0, ge=0, le=1, description="share of SUCCESS that fail")
    hold: bool = Field(default=False, description="stop at generating until complete_task")
    callback: CallbackMode = CallbackMode.NORMAL
    callback_copies: int = Field(default=2, ge=1, le=100, description="for DUPLICATE")
    callback_delay: float = Field(default=0.0, ge=0, description="seconds, for DELAYED")
    media: MediaKind | None = Field(default=None, description="result kind; None: by model id")
    file_size: int | None = Field(default=None, ge=0, description="pad result files to N bytes")
    results: int = Field(default=1, ge=1, le=10, description="result URLs per Market/Veo task")
    cost: float = Field(default=1.0, ge=0, description="credits charged on success")


class Scenario(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    default: Behaviour = Behaviour()
    models: dict[str, Behaviour] = Field(default_factory=dict)
    seed: int = 0
    http_errors: bool = Field(
        default=False,
        description="answer business errors with the body code as HTTP status, not HTTP 200",
    )

    def behaviour_for(self, model: str) -> Behaviour:
        return self.models.get(model, self.default)

    def with_behaviour(self, behaviour: Behaviour, *, model: str | None = None) -> Scenario:
        if model is None:
            return self.model_copy(update={"default": behaviour})
        return self.model_copy(update={"models": {**self.models, model: behaviour}})


class Fault(BaseModel):
    """The next `count` requests to `path` ("*" = any non-control path) fail this way."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str = "*"
    status: int = Field(default=429, ge=400, le=599)
    count: int = Field(default=1, ge=1)
    hang: bool = Field(default=False, description="hold the request open instead of answering")
    hang_seconds: float = Field(default=30.0, gt=0, le=600)
    body_only: bool = Field(default=False, description="HTTP 200 with the status as body code")
