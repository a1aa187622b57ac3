"""Hostile `POST /callbacks/kie` requests, and the harness that fires them and checks nothing moved.

Shared by `tests/security/test_callback_fuzz.py` (a short run in CI) and
`bench/fuzz_callbacks.py` (100,000 requests). Importing it has no side effects.

Every request generated here must change nothing: none carries both a valid `job`/`sig` pair for
a known job and acceptable KIE HMAC headers for that job's own task (the app under test runs with
a KIE HMAC key, so a valid job signature alone is not enough either). The kinds:

* `random_bytes`   random bytes under a random (often wrong) Content-Type
* `form`           url-encoded forms, some naming a known task id
* `text`           text/plain holding JSON-looking or plain text
* `multipart`      multipart/form-data with a JSON part
* `deep_nesting`   50,000 nested arrays / objects, raw or inside a JSON string or a form field
* `huge`           bodies over 1 MiB (up to 2 MiB), some a real shape padded out
* `wrong_types`    the Market, Veo and Suno shapes with wrong types at every known place
* `unknown_task`   real shapes for task ids no job has (unsigned, or signed for unknown job ids)
* `known_bad_sig`  real shapes for the known jobs with a bad, missing or borrowed `sig`
* `bad_hmac`       real shapes, valid `sig`, but missing, wrong-key, stale or junk KIE HMAC headers
* `mismatch`       valid `sig` and valid HMAC, but for another task id than the job's
"""

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import sqlalchemy as sa

from trt.kie import sign_job
from trt.storage import tables
from trt.storage.database import Database

MIB = 1024 * 1024
DEPTH = 50_000

# How often each kind comes up in the cycle; huge bodies are kept rare so a 100k run stays cheap.
WEIGHTS: dict[str, int] = {
    "random_bytes": 10,
    "form": 8,
    "text": 6,
    "multipart": 6,
    "deep_nesting": 2,
    "huge": 1,
    "wrong_types": 12,
    "unknown_task": 10,
    "known_bad_sig": 12,
    "bad_hmac": 12,
    "mismatch": 6,
}
KINDS = tuple(WEIGHTS)


@dataclass(frozen=True)
class KnownJob:
    job_id: int
    task_id: str
    family: str  # "market" | "veo" | "suno"


@dataclass(frozen=True)
class FuzzRequest:
    kind: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FireResult:
    sent: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    bad: list[tuple[str, str]] = field(default_factory=list)  # (kind, status or error), first 20
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    @property
    def all_ok(self) -> bool:
        return set(self.statuses) <= {200} and not self.bad


def kie_hmac(key: str, task_id: str, timestamp: str) -> str:
    digest = hmac.new(key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- real shapes (REFERENCE §3.2) -------------------------------------------------------------


def market_shape(task_id: object, state: str = "success") -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {
        "code": 200 if state == "success" else 501,
        "msg": "Playground task completed successfully.",
        "data": {
            "taskId": task_id,
            "model": "z-image",
            "state": state,
            "param": json.dumps({"model": "z-image", "input": '{"prompt":"x"}'}),
            "resultJson": json.dumps({"resultUrls": ["https://example.invalid/r.png"]}),
            "failCode": "" if state == "success" else "500",
            "failMsg": "" if state == "success" else "internal error",
            "costTime": 8,
            "completeTime": now,
            "createTime": now - 8000,
            "updateTime": now,
        },
    }


def veo_shape(task_id: object) -> dict[str, Any]:
    return {
        "code": 200,
        "msg": "Veo3.1 video generated successfully.",
        "data": {
            "taskId": task_id,
            "info": {
                "resultUrls": ["https://example.invalid/v.mp4"],
                "originUrls": ["https://example.invalid/o.mp4"],
                "resolution": "720p",
            },
            "fallbackFlag": False,
        },
    }


def suno_shape(task_id: object, stage: str = "complete") -> dict[str, Any]:
    return {
        "code": 200,
        "msg": "All generated successfully.",
        "data": {
            "callbackType": stage,
            "task_id": task_id,
            "data": [
                {
                    "id": "track-1",
                    "audio_url": "https://example.invalid/a.mp3",
                    "title": "t",
                    "duration": 60.0,
                }
            ],
        },
    }


def real_shape(rng: random.Random, family: str, task_id: object) -> dict[str, Any]:
    if family == "veo":
        return veo_shape(task_id)
    if family == "suno":
        return suno_shape(task_id, rng.choice(["text", "first", "complete", "error"]))
    return market_shape(task_id, rng.choice(["success", "fail", "generating"]))


# --- the generator ----------------------------------------------------------------------------


class BodyFactory:
    """Deterministic (seeded) hostile requests against a set of known in-flight jobs."""

    def __init__(
        self, jobs: Sequence[KnownJob], *, callback_secret: str, hmac_key: str, seed: int = 0
    ) -> None:
        if not jobs:
            raise ValueError("the fuzz needs at least one known job")
        self.jobs = list(jobs)
        self.secret = callback_secret
        self.hmac_key = hmac_key
        self.rng = random.Random(seed)
        self._huge_bodies = self._build_huge()
        self._deep_bodies = self._build_deep()

    def generate(self, count: int) -> Iterator[FuzzRequest]:
        cycle = [kind for kind, weight in WEIGHTS.items() for _ in range(weight)]
        self.rng.shuffle(cycle)
        # Every kind appears in the first len(WEIGHTS) requests, whatever the count.
        order = list(KINDS) + cycle
        for index in range(count):
            kind = order[index] if index < len(KINDS) else cycle[(index - len(KINDS)) % len(cycle)]
            yield getattr(self, f"_{kind}")()

    # helpers

    def _job(self) -> KnownJob:
        return self.rng.choice(self.jobs)

    def _path(self, **query: object) -> str:
        return "/callbacks/kie" + (f"?{urlencode(query)}" if query else "")

    def _signed_path(self, job_id: int) -> str:
        return self._path(job=job_id, sig=sign_job(str(job_id), self.secret))

    def _unknown_job_id(self) -> int:
        return max(job.job_id for job in self.jobs) + self.rng.randint(1_000, 10**9)

    def _junk(self) -> Any:
        return self.rng.choice(
            [
                None,
                True,
                False,
                0,
                -1,
                10**40,
                3.5,
                float("1e308"),
                "",
                " ",
                "\x00",
                "\u202e",
                "x" * 300,
                [],
                [1, [2, [3]]],
                {},
                {"taskId": {"taskId": None}},
                '{"taskId": 1}',
                "[" * 100,
            ]
        )

    def _hmac_headers(self, task_id: str) -> dict[str, str]:
        """Headers that must not pass: missing, wrong key, stale, junk, or for another task."""
        now = int(time.time())
        choice = self.rng.randrange(8)
        if choice == 0:
            return {}
        if choice == 1:
            stamp = str(now)
            return {
                "X-Webhook-Timestamp": stamp,
                "X-Webhook-Signature": kie_hmac("wrong-key", task_id, stamp),
            }
        if choice == 2:
            stamp = str(now - 3600)
            return {
                "X-Webhook-Timestamp": stamp,
                "X-Webhook-Signature": kie_hmac(self.hmac_key, task_id, stamp),
            }
        if choice == 3:
            stamp = str(now)
            return {
                "X-Webhook-Timestamp": stamp,
                "X-Webhook-Signature": kie_hmac(self.hmac_key, task_id + "x", stamp),
            }
        if choice == 4:
            return {"X-Webhook-Timestamp": str(now)}
        if choice == 5:
            return {"X-Webhook-Signature": kie_hmac(self.hmac_key, task_id, str(now))}
        junk_stamps = ["abc", "nan", "1e99", "-1", "9" * 40, "", " ", "0x10"]
        junk_sigs = ["", "!!!", "A" * 2000, "====", base64.b64encode(b"\x00" * 32).decode()]
        return {
            "X-Webhook-Timestamp": self.rng.choice(junk_stamps),
            "X-Webhook-Signature": self.rng.choice(junk_sigs),
        }

    def _build_huge(self) -> list[bytes]:
        job = self.jobs[0]
        padded = json.dumps(market_shape(job.task_id)).encode()
        sizes = [MIB + 1, MIB + 4096, int(1.5 * MIB), 2 * MIB]
        return [
            b"x" * sizes[0],
            padded + b" " * (sizes[1] - len(padded)),
            b"[" * sizes[2],
            (b"taskId=" + job.task_id.encode() + b"&") * (sizes[3] // (len(job.task_id) + 8)),
        ]

    def _build_deep(self) -> list[bytes]:
        return [
            b"[" * DEPTH + b"]" * DEPTH,
            b"[" * DEPTH,
            b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
            json.dumps({"code": 200, "data": "[" * DEPTH + "]" * DEPTH}).encode(),
            b"data=" + b"%5B" * DEPTH,
            json.dumps({"data": {"taskId": self.jobs[0].task_id, "x": [[[[]]]]}}).encode()[:-2]
            + b"[" * DEPTH,
        ]

    # the kinds

    def _random_bytes(self) -> FuzzRequest:
        body = self.rng.randbytes(self.rng.randint(0, 4096))
        content_type = self.rng.choice(
            [
                "application/json",
                "application/octet-stream",
                "application/x-www-form-urlencoded",
                "text/plain; charset=utf-16",
                "image/png",
                "x/y;;;=",
                "",
            ]
        )
        headers = {"Content-Type": content_type} if content_type else {}
        return FuzzRequest("random_bytes", self._path(), headers, body)

    def _form(self) -> FuzzRequest:
        job = self._job()
        fields: dict[str, str] = {
            self.rng.choice(["taskId", "task_id", "recordId", "data", "code", "payload"]): (
                self.rng.choice(
                    [job.task_id, json.dumps(real_shape(self.rng, job.family, job.task_id)), "1"]
                )
            )
            for _ in range(self.rng.randint(1, 4))
        }
        query = self.rng.choice(
            [{}, {"job": job.job_id}, {"job": job.job_id, "sig": "0" * 32}, {"sig": "zz"}]
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return FuzzRequest("form", self._path(**query), headers, urlencode(fields).encode())

    def _text(self) -> FuzzRequest:
        job = self._job()
        body = self.rng.choice(
            [
                json.dumps(real_shape(self.rng, job.family, job.task_id)),
                "taskId: " + job.task_id,
                "ok",
                "\u00ff\u0000\ufffd" * 50,
                json.dumps(real_shape(self.rng, job.family, job.task_id))[:-5],
            ]
        )
        encoding = self.rng.choice(["utf-8", "utf-16", "latin-1"])
        return FuzzRequest(
            "text",
            self._path(job=job.job_id) if self.rng.random() < 0.5 else self._path(),
            {"Content-Type": f"text/plain; charset={encoding}"},
            body.encode(encoding, "replace"),
        )

    def _multipart(self) -> FuzzRequest:
        job = self._job()
        boundary = f"----fuzz{self.rng.randrange(10**9)}"
        part = json.dumps(real_shape(self.rng, job.family, job.task_id))
        body = (
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="data"\r\n'
                "Content-Type: application/json\r\n\r\n"
                f"{part}\r\n"
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n'
            ).encode()
            + self.rng.randbytes(64)
            + f"\r\n--{boundary}--\r\n".encode()
        )
        if self.rng.random() < 0.3:
            body = body[: self.rng.randint(0, len(body))]  # a truncated multipart
        query = self.rng.choice([{}, {"job": job.job_id, "sig": "f" * 32}])
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return FuzzRequest("multipart", self._path(**query), headers, body)

    def _deep_nesting(self) -> FuzzRequest:
        job = self._job()
        query = self.rng.choice([{}, {"job": job.job_id, "sig": "1" * 32}])
        headers = {"Content-Type": "application/json"}
        return FuzzRequest(
            "deep_nesting", self._path(**query), headers, self.rng.choice(self._deep_bodies)
        )

    def _huge(self) -> FuzzRequest:
        job = self._job()
        query = self.rng.choice([{}, {"job": job.job_id}, {"job": job.job_id, "sig": "a" * 32}])
        headers = {"Content-Type": self.rng.choice(["application/json", "text/plain"])}
        return FuzzRequest("huge", self._path(**query), headers, self.rng.choice(self._huge_bodies))

    def _wrong_types(self) -> FuzzRequest:
        job = self._job()
        shape = real_shape(self.rng, job.family, job.task_id)
        data = shape["data"]
        for key in self.rng.sample(sorted(data), k=self.rng.randint(1, len(data))):
            data[key] = self._junk()
        # The task id itself is always of a wrong type: no real task is named.
        for key in ("taskId", "task_id"):
            if key in data:
                data[key] = self.rng.choice([None, 1.5, [job.task_id], {"id": job.task_id}, True])
        if self.rng.random() < 0.3:
            shape["data"] = self.rng.choice([json.dumps(data), [data], None, 7])
        if self.rng.random() < 0.3:
            shape["code"] = self._junk()
        query = self.rng.choice(
            [
                {},
                {"job": self._junk(), "sig": self._junk()},
                {"job": job.job_id, "sig": "nothex" * 5 + "zz"},
                {"job": (u := self._unknown_job_id()), "sig": sign_job(str(u), self.secret)},
            ]
        )
        return FuzzRequest(
            "wrong_types",
            self._path(**query),
            {"Content-Type": "application/json"},
            json.dumps(shape, default=str).encode(),
        )

    def _unknown_task(self) -> FuzzRequest:
        family = self.rng.choice(["market", "veo", "suno"])
        task_id = self.rng.choice(
            [f"unknown{self.rng.randrange(10**12)}", self._job().task_id + "0", "0", " "]
        )
        shape = real_shape(self.rng, family, task_id)
        unknown = self._unknown_job_id()
        path = self._path() if self.rng.random() < 0.5 else self._signed_path(unknown)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Webhook-Timestamp": stamp,
            "X-Webhook-Signature": kie_hmac(self.hmac_key, task_id, stamp),
        }
        return FuzzRequest("unknown_task", path, headers, json.dumps(shape).encode())

    def _known_bad_sig(self) -> FuzzRequest:
        job = self._job()
        good = sign_job(str(job.job_id), self.secret)
        other = next((j for j in self.jobs if j.job_id != job.job_id), None)
        sig = self.rng.choice(
            [
                None,
                "",
                "deadbeef",
                good[:-1],
                good + "0",
                good[:-1] + ("0" if good[-1] != "0" else "1"),
                sign_job(str(job.job_id), "another-secret"),
                sign_job(str(other.job_id), self.secret) if other else "0" * 32,
                "G" + good[1:].upper(),  # upper case alone is still valid hex: not junk
                " " * 32,
            ]
        )
        job_ref = self.rng.choice([str(job.job_id), f"0{job.job_id}", f"{job.job_id}.0"])
        if job_ref != str(job.job_id) and sig is not None:
            sig = sign_job(str(job.job_id), self.secret)  # the right sig on a re-spelt job id
        query = {"job": job_ref} if sig is None else {"job": job_ref, "sig": sig}
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            # KIE's HMAC is valid here: the job signature alone must stop it.
            "X-Webhook-Timestamp": stamp,
            "X-Webhook-Signature": kie_hmac(self.hmac_key, job.task_id, stamp),
        }
        body = json.dumps(real_shape(self.rng, job.family, job.task_id)).encode()
        return FuzzRequest("known_bad_sig", self._path(**query), headers, body)

    def _bad_hmac(self) -> FuzzRequest:
        job = self._job()
        headers = {"Content-Type": "application/json", **self._hmac_headers(job.task_id)}
        body = json.dumps(real_shape(self.rng, job.family, job.task_id)).encode()
        return FuzzRequest("bad_hmac", self._signed_path(job.job_id), headers, body)

    def _mismatch(self) -> FuzzRequest:
        job = self._job()
        foreign = self.rng.choice(
            [j.task_id for j in self.jobs if j.job_id != job.job_id] or ["foreign-task"]
        )
        if self.rng.random() < 0.5:
            foreign = f"foreign{self.rng.randrange(10**9)}"
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Webhook-Timestamp": stamp,
            "X-Webhook-Signature": kie_hmac(self.hmac_key, foreign, stamp),
        }
        body = json.dumps(real_shape(self.rng, job.family, foreign)).encode()
        return FuzzRequest("mismatch", self._signed_path(job.job_id), headers, body)


# --- firing and checking ----------------------------------------------------------------------


async def fire(
    base_url: str,
    requests: Iterator[FuzzRequest],
    *,
    concurrency: int = 32,
    time_limit: float = 3600.0,
) -> FireResult:
    """POST every request with at most `concurrency` in flight; stops at `time_limit` seconds."""
    result = FireResult()
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + time_limit
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(
        base_url, connector=connector, timeout=timeout, skip_auto_headers={"Content-Type"}
    ) as http:

        async def worker() -> None:
            for request in requests:  # a shared iterator: each request is taken once
                if loop.time() > deadline:
                    return
                result.sent[request.kind] += 1
                try:
                    async with http.post(
                        request.path, data=request.body, headers=request.headers
                    ) as response:
                        await response.read()
                        result.statuses[response.status] += 1
                        if response.status != 200 and len(result.bad) < 20:
                            result.bad.append((request.kind, str(response.status)))
                except (aiohttp.ClientError, TimeoutError) as exc:
                    if len(result.bad) < 20:
                        result.bad.append((request.kind, repr(exc)))
                    result.statuses[-1] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = loop.time() - started
    return result


class HealthSampler:
    """GET /health every `interval` seconds while the block runs; keeps every status seen."""

    def __init__(self, base_url: str, interval: float = 0.25) -> None:
        self.url = f"{base_url}/health"
        self.interval = interval
        self.statuses: list[int] = []
        self.slowest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "HealthSampler":
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        loop = asyncio.get_running_loop()
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while True:
                began = loop.time()
                try:
                    async with http.get(self.url) as response:
                        await response.read()
                        self.statuses.append(response.status)
                except (aiohttp.ClientError, TimeoutError):
                    self.statuses.append(-1)
                self.slowest = max(self.slowest, loop.time() - began)
                await asyncio.sleep(self.interval)

    @property
    def healthy(self) -> bool:
        return bool(self.statuses) and all(status == 200 for status in self.statuses)


SNAPSHOT_TABLES = (
    tables.jobs,
    tables.ledger_entries,
    tables.balances,
    tables.holds,
    tables.deliveries,
    tables.payment_orders,
)


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a callback could touch, in primary-key order."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    async with db.read() as tx:
        for table in SNAPSHOT_TABLES:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = (await tx.execute(sa.select(table).order_by(*order))).all()
            state[table.name] = [tuple(row) for row in rows]
    return state


def differences(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    """One line per changed row: table, row number and the columns that differ."""
    columns = {table.name: [c.name for c in table.columns] for table in SNAPSHOT_TABLES}
    found: list[str] = []
    for name, rows in before.items():
        if len(rows) != len(after[name]):
            found.append(f"{name}: {len(rows)} rows before, {len(after[name])} after")
            continue
        for index, (old, new) in enumerate(zip(rows, after[name], strict=True)):
            changed = {
                column: (a, b)
                for column, a, b in zip(columns[name], old, new, strict=True)
                if a != b
            }
            if changed:
                found.append(f"{name} row {index}: {changed}")
    return found


# --- the app under fuzz -----------------------------------------------------------------------

FUZZ_HMAC_KEY = "fuzz-kie-hmac-key"
# Bot API calls that change nothing in any chat (the rest must not grow while fuzzing).
READS = ("getUpdates", "getMe", "getStarTransactions")
FUZZ_USER = 9101
FUZZ_MODELS = (
    ("z-image", "market"),
    ("nano-banana", "market"),
    ("veo-3-1-fast-t2v", "veo"),
    ("suno-v4-5", "suno"),
)
# No scheduled re-check during the run: any change to a job row can only come from a callback.
FUZZ_SETTINGS: dict[str, object] = {
    "check_min_delay": 600.0,
    "check_max_delay": 1200.0,
    "kie_webhook_hmac_key": FUZZ_HMAC_KEY,
}


async def prepare_jobs(stack: Any, *, timeout: float = 20.0) -> list[KnownJob]:
    """One in-flight job per family (tasks held by the simulator, its callbacks lost), paid and
    free, each with its task id stored. `stack` is a `tests.e2e.conftest.Stack`."""
    from trt.sandbox.kie import Behaviour, CallbackMode
    from trt.storage import jobs as job_rows

    stack.kie.set_behaviour(Behaviour(latency=0.1, hold=True, callback=CallbackMode.LOST))
    await stack.top_up(FUZZ_USER, 5_000_000)
    user = stack.telegram.user(user_id=FUZZ_USER)
    await user.send_command("/start")
    await user.wait_for(lambda m: m.from_bot)
    started = []
    for model_id, family in FUZZ_MODELS:
        outcome = await stack.parts.generation.start(
            user_id=FUZZ_USER, chat_id=FUZZ_USER, model_id=model_id, values={"prompt": "fuzz"}
        )
        started.append((outcome.job_id, family))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with stack.db.read() as tx:
            rows = [await job_rows.get(tx, job_id) for job_id, _ in started]
        if all(row is not None and row.task_id for row in rows):
            break
        if loop.time() > deadline:
            raise TimeoutError(f"jobs not submitted in {timeout} s: {rows}")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # let the submitting worker finish its bookkeeping
    return [
        KnownJob(job_id=row.id, task_id=str(row.task_id), family=family)
        for row, (_, family) in zip(rows, started, strict=True)
        if row is not None
    ]
