"""The free-models end-to-end probe: for each free model, a minimal valid input run through KIE
the way the bot does it (upload, create with a callback URL, wait for a callback or poll the
record) with timings and counts, so an operator sees at once which model works."""

import asyncio
import contextlib
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from trt.domain import inputs
from trt.domain.catalog import ModelSpec
from trt.domain.jobs import CheckSchedule
from trt.kie import KieClient, KieError, KieTaskNotFound, TaskState

SAMPLE_PNG_SIDE = 256


@dataclass
class ProbeResult:
    model_id: str
    status: str = "pending"  # succeeded | failed | timeout | invalid | dry-run
    task_id: str | None = None
    time_to_task: float | None = None
    total_time: float | None = None
    callbacks: int = 0
    record_queries: int = 0
    not_found: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("succeeded", "dry-run")


@dataclass
class CallbackBox:
    """Callbacks received per task id (filled by the HTTP receiver the CLI runs)."""

    counts: dict[str, int] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, task_id: str) -> None:
        self.counts[task_id] = self.counts.get(task_id, 0) + 1
        self.arrived.set()

    async def wait_for_any(self, *, within: float) -> None:
        """Until the next callback arrives (for any task) or `within` seconds pass."""
        self.arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.arrived.wait(), within)


def sample_png(side: int = SAMPLE_PNG_SIDE) -> bytes:
    """A valid PNG (a soft gradient), so image-to-image models get a real picture."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(side) for v in (x % 256, y % 256, 160))
        for y in range(side)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def dry_run(model: ModelSpec) -> ProbeResult:
    """Validate the minimal input and build the request fields; call nothing."""
    values = inputs.minimal_values(model)
    checked = inputs.validate(model, values)
    if not checked.ok:
        codes = ", ".join(problem.code.value for problem in checked.problems)
        return ProbeResult(model.id, status="invalid", error=codes)
    uploaded = {
        media.ref: "https://files.invalid/sample.png" for media in inputs.media_inputs(values)
    }
    inputs.build_kie_fields(model, checked.values, uploaded)
    return ProbeResult(model.id, status="dry-run")


async def run_probe(
    model: ModelSpec,
    *,
    kie: KieClient,
    callback_url: Callable[[str], str] | None,
    callbacks: CallbackBox,
    limit: float,
    schedule: CheckSchedule,
) -> ProbeResult:
    result = ProbeResult(model.id)
    started = time.monotonic()
    try:
        values = inputs.minimal_values(model)
        uploaded = {}
        for media in inputs.media_inputs(values):
            uploaded[media.ref] = await kie.upload_bytes(
                data=sample_png(), file_name="sample.png", mime_type="image/png"
            )
        fields = inputs.build_kie_fields(model, values, uploaded)
        url = callback_url(f"probe-{model.slug}") if callback_url else None
        result.task_id = await kie.create_task(
            family=model.family, kie_model=model.kie_model, fields=fields, callback_url=url
        )
        result.time_to_task = time.monotonic() - started
        await _wait_terminal(
            model,
            kie=kie,
            result=result,
            callbacks=callbacks,
            deadline=started + limit,
            schedule=schedule,
        )
    except KieError as exc:
        result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
    result.total_time = time.monotonic() - started
    if result.task_id:
        result.callbacks = callbacks.counts.get(result.task_id, 0)
    return result


async def _wait_terminal(
    model: ModelSpec,
    *,
    kie: KieClient,
    result: ProbeResult,
    callbacks: CallbackBox,
    deadline: float,
    schedule: CheckSchedule,
) -> None:
    """Ask KIE's record endpoint when a callback arrives, or on the polling schedule."""
    assert result.task_id is not None
    seen = 0
    started = time.monotonic()
    while (now := time.monotonic()) < deadline:
        if callbacks.counts.get(result.task_id, 0) == seen:
            delay = schedule.next_delay(elapsed=now - started, expected=20, callbacks=False)
            await callbacks.wait_for_any(within=min(delay, deadline - now))
        seen = callbacks.counts.get(result.task_id, 0)
        result.record_queries += 1
        try:
            record = await kie.get_record(family=model.family, task_id=result.task_id)
        except KieTaskNotFound:
            result.not_found += 1
            continue
        if record.state is TaskState.SUCCEEDED:
            result.status = "succeeded"
            return
        if record.state is TaskState.FAILED:
            result.status, result.error = "failed", f"{record.fail_code}: {record.fail_message}"
            return
    result.status = "timeout"
