"""Callback ingest: requests/s of `POST /callbacks/kie` for known in-flight jobs, vs a bare
aiohttp handler that answers 200, under the same load generator.

TRT runs as `python -m trt run` on a scratch PostgreSQL database, with the KIE simulator and
the Bot API emulator in this process. `--jobs` running jobs are inserted with tasks the
simulator holds running, so each callback (signed `job`/`sig` query, a Market success body) only
wakes its job: the intake checks it, answers 200, and wakes the queued jobs with one batched
UPDATE every 20 ms; the reconciler re-reads the woken tasks from the simulator (each stays
"running", so the next callback wakes the job again) — that work runs in the same process while
the load lasts, as it would in production. The baseline is a fresh interpreter serving a bare
aiohttp handler that reads the body and answers the same JSON, started the same way. Both get
the same requests from `wrk` (Debian's `wrk`; an aiohttp client in this process when wrk is
missing): one thread, `--connections` keep-alive connections, a warm-up then `--duration`
seconds. Then the same callbacks once more after the jobs were marked succeeded (late
duplicates: the intake and its UPDATE, no re-reads), to separate the two costs. Last, split roles
as an operator with heavy callback traffic would run them: the jobs running again, a second
`trt run` with `RUN_WORKERS=false` (HTTP only) takes the same load while the first process, with
the workers, does the re-reads the wake-ups cause. Target: the split pass's requests/s >= 0.5 x
the bare handler's; the single-process figure is reported next to it.
"""

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, percentile, report
from harness import (
    CALLBACK_SECRET,
    ChildProcess,
    RunningJob,
    app_env,
    bot_process,
    create_sim_tasks,
    doubles,
    insert_running_jobs,
    insert_users,
    now_utc,
    profiled,
    python_server,
    scratch_database,
    summarize_profile,
)

from trt.domain.catalog import load_catalog
from trt.kie import callback_url
from trt.sandbox.kie import Behaviour
from trt.storage import tables
from trt.storage.database import Database

BARE_CALLBACK_APP = """
import sys
from aiohttp import web
ACK = {"code": 200, "msg": "success"}
async def callback(request):
    await request.content.read(1024 * 1024 + 1)
    return web.json_response(ACK)
async def health(request):
    return web.json_response({"status": "ok"})
app = web.Application()
app.router.add_post("/callbacks/kie", callback)
app.router.add_get("/health", health)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""

WRK_SCRIPT = """
local requests = {}
init = function(args)
  wrk.headers["Content-Type"] = "application/json"
  for line in io.lines("%(paths)s") do
    local path, body = line:match("^(%%S+)\\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", path, nil, body)
  end
end
local i = 0
request = function()
  i = i + 1
  return requests[(i %% #requests) + 1]
end
"""


@dataclass(frozen=True)
class LoadResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str


def market_success_body(task_id: str, model: str, base: str) -> str:
    """A Market success callback as KIE sends it (REFERENCE §3.2)."""
    data = {
        "taskId": task_id,
        "model": model,
        "state": "success",
        "param": json.dumps({"model": model, "input": '{"prompt":"bench"}'}),
        "resultJson": json.dumps({"resultUrls": [f"{base}/files/{task_id}/result-1.png"]}),
        "failCode": "",
        "failMsg": "",
        "costTime": 8,
        "completeTime": int(time.time() * 1000),
        "createTime": int(time.time() * 1000) - 8000,
        "updateTime": int(time.time() * 1000),
        "creditsConsumed": 1.0,
    }
    return json.dumps({"code": 200, "msg": "Playground task completed successfully.", "data": data})


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


async def run_wrk(
    url: str, requests_file: Path, *, connections: int, duration: float
) -> LoadResult:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "callbacks.lua"
        script.write_text(WRK_SCRIPT % {"paths": requests_file})
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            url,
        ]
        done = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, timeout=duration + 60
        )
    out = done.stdout
    if done.returncode != 0 or "Requests/sec" not in out:
        raise RuntimeError(f"wrk failed: {done.stderr or out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: (.*)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket:
        errors += sum(int(n) for n in re.findall(r"\d+", socket.group(1)))
    return LoadResult(rps, p50, p99, total, errors, "wrk")


async def run_aiohttp_load(
    url: str, requests_file: Path, *, connections: int, duration: float
) -> LoadResult:
    """The fallback generator: `connections` workers, each posting in a loop."""
    entries = [line.split("\t", 1) for line in requests_file.read_text().splitlines()]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.perf_counter() < deadline:
                path, body = entries[i % len(entries)]
                i += connections
                started = time.perf_counter()
                headers = {"Content-Type": "application/json"}
                async with http.post(url + path, data=body, headers=headers) as answer:
                    await answer.read()
                    errors += answer.status != 200
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(connections)))
        elapsed = time.perf_counter() - started
    return LoadResult(
        len(latencies) / elapsed,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
        len(latencies),
        errors,
        "aiohttp client (wrk not installed)",
    )


async def load(
    url: str,
    requests_file: Path,
    *,
    connections: int,
    duration: float,
    child: ChildProcess | None = None,
    profile: Path | None = None,
) -> LoadResult:
    """A 2 s warm-up, then the measured run (sampled by py-spy when `profile` is given)."""
    generator = run_wrk if shutil.which("wrk") else run_aiohttp_load
    await generator(url, requests_file, connections=connections, duration=min(2.0, duration))
    if child is None or profile is None:
        return await generator(url, requests_file, connections=connections, duration=duration)
    async with profiled(child, profile, seconds=duration - 1):
        return await generator(url, requests_file, connections=connections, duration=duration)


async def finish_jobs(db_url: str, ids: list[int]) -> None:
    """Mark the bench's jobs succeeded (a callback for one is then a late duplicate)."""
    db = Database(db_url)
    try:
        async with db.transaction() as tx:
            await tx.execute(
                sa.update(tables.jobs)
                .where(tables.jobs.c.id.in_(ids))
                .values(status="succeeded", finished_at=now_utc())
            )
    finally:
        await db.dispose()


async def reopen_jobs(db_url: str, ids: list[int]) -> None:
    """Back to running with the next scheduled check far out (undo `finish_jobs`)."""
    db = Database(db_url)
    try:
        async with db.transaction() as tx:
            await tx.execute(
                sa.update(tables.jobs)
                .where(tables.jobs.c.id.in_(ids))
                .values(
                    status="running",
                    finished_at=None,
                    next_check_at=now_utc() + timedelta(seconds=60),
                )
            )
    finally:
        await db.dispose()


async def count_outcomes(base: str) -> dict[str, int]:
    """The app's callback counters by outcome (`trt_kie_callbacks_total` on `/metrics`)."""
    async with aiohttp.ClientSession() as http, http.get(f"{base}/metrics") as answer:
        text = await answer.text()
    outcomes: dict[str, int] = {}
    for match in re.finditer(
        r'^trt_kie_callbacks_total\{outcome="(\w+)"\} ([\d.e+]+)$', text, re.M
    ):
        if float(match.group(2)):
            outcomes[match.group(1)] = int(float(match.group(2)))
    return outcomes


async def main_async(args: argparse.Namespace) -> None:
    catalog = load_catalog()
    model = catalog.get("nano-banana")
    async with scratch_database() as db_url, doubles() as (telegram, kie):
        kie.set_behaviour(Behaviour(latency=1.0, hold=True))
        port = free_port()
        env = app_env(port=port, db_url=db_url, telegram=telegram, kie=kie)
        base = f"http://127.0.0.1:{port}"
        async with bot_process(env, port=port) as app:
            db = Database(db_url)
            try:
                users = list(range(50_001, 50_001 + max(1, args.jobs // 10)))
                await insert_users(db, users)
                task_ids = await create_sim_tasks(kie, [(model, None)] * args.jobs)
                now = now_utc()
                ids = await insert_running_jobs(
                    db,
                    [
                        RunningJob(
                            user_id=users[n % len(users)],
                            model=model,
                            task_id=task_id,
                            submitted_at=now - timedelta(seconds=5),
                            next_check_at=now + timedelta(seconds=19),
                        )
                        for n, task_id in enumerate(task_ids)
                    ],
                )
            finally:
                await db.dispose()
            with tempfile.TemporaryDirectory() as tmp:
                requests_file = Path(tmp) / "requests.tsv"
                lines = []
                for job_id, task_id in zip(ids, task_ids, strict=True):
                    signed = callback_url(base, str(job_id), CALLBACK_SECRET)
                    path = signed.removeprefix(base)
                    lines.append(f"{path}\t{market_success_body(task_id, model.kie_model, base)}")
                requests_file.write_text("\n".join(lines) + "\n")
                cpu_before = app.cpu_seconds()
                trt = await load(
                    base,
                    requests_file,
                    connections=args.connections,
                    duration=args.duration,
                    child=app,
                    profile=args.profile,
                )
                trt_cpu = app.cpu_seconds() - cpu_before
                outcomes = await count_outcomes(base)
                record_queries = kie.stats().record_queries

                # The same callbacks again, now duplicates for finished jobs: the intake and its
                # batched UPDATE without the re-reads they would cause.
                await finish_jobs(db_url, ids)
                await asyncio.sleep(2)  # checks in progress end
                finished = await load(
                    base,
                    requests_file,
                    connections=args.connections,
                    duration=args.duration,
                    child=app,
                    profile=args.profile.with_suffix(".finished") if args.profile else None,
                )

                # Split roles: a second `trt run` with RUN_WORKERS=false takes the callbacks
                # for the running jobs again; this process (workers) re-reads what it wakes.
                await reopen_jobs(db_url, ids)
                web_port = free_port()
                web_env = app_env(
                    port=web_port, db_url=db_url, telegram=telegram, kie=kie, run_workers="false"
                )
                async with bot_process(web_env, port=web_port):
                    queries_before = kie.stats().record_queries
                    split = await load(
                        f"http://127.0.0.1:{web_port}",
                        requests_file,
                        connections=args.connections,
                        duration=args.duration,
                    )
                    split_queries = kie.stats().record_queries - queries_before
                    split_outcomes = await count_outcomes(f"http://127.0.0.1:{web_port}")

                bare_port = free_port()
                async with python_server(BARE_CALLBACK_APP, port=bare_port, name="bare"):
                    bare = await load(
                        f"http://127.0.0.1:{bare_port}",
                        requests_file,
                        connections=args.connections,
                        duration=args.duration,
                    )
    print(
        f"load: {trt.tool}, 1 thread, {args.connections} connections, {args.duration:.0f} s "
        f"(+2 s warm-up) on {args.jobs} running jobs"
    )
    print(
        f"trt : {trt.rps:8.0f} req/s  ack p50 {trt.p50_ms:6.2f} ms  p99 {trt.p99_ms:6.2f} ms  "
        f"requests {trt.requests}  errors {trt.errors}  app CPU {trt_cpu:.1f} s"
    )
    print(
        f"bare: {bare.rps:8.0f} req/s  ack p50 {bare.p50_ms:6.2f} ms  p99 {bare.p99_ms:6.2f} ms  "
        f"requests {bare.requests}  errors {bare.errors}"
    )
    print(
        f"trt, the same callbacks for the jobs once finished (nothing to re-read): "
        f"{finished.rps:8.0f} req/s  ack p50 {finished.p50_ms:6.2f} ms  p99 "
        f"{finished.p99_ms:6.2f} ms  errors {finished.errors}  ratio {finished.rps / bare.rps:.2f}"
    )
    print(
        f"trt, split roles (a RUN_WORKERS=false instance takes the callbacks, the first one "
        f"re-reads): {split.rps:8.0f} req/s  ack p50 {split.p50_ms:6.2f} ms  "
        f"p99 {split.p99_ms:6.2f} ms  "
        f"errors {split.errors}  ratio {split.rps / bare.rps:.2f}; {split_queries} re-reads "
        f"meanwhile; outcomes {split_outcomes}"
    )
    print(f"trt callback outcomes (woken run incl. warm-up): {outcomes}")
    print(f"record queries the woken jobs caused meanwhile: {record_queries}")
    if args.profile is not None:
        print(f"py-spy profile of trt during the measured load ({args.profile}):")
        print(summarize_profile(args.profile))
        print("and during the pass for finished jobs:")
        print(summarize_profile(args.profile.with_suffix(".finished")))
    ratio = trt.rps / bare.rps
    split_ratio = split.rps / bare.rps
    report(
        "callback_ingest",
        f"one process: {trt.rps:.0f} req/s (ack p50 {trt.p50_ms:.1f} ms, p99 {trt.p99_ms:.1f} "
        f"ms) waking running jobs, {record_queries} re-reads meanwhile, ratio {ratio:.2f}; "
        f"{finished.rps:.0f} req/s (ratio {finished.rps / bare.rps:.2f}) for finished jobs; "
        f"split roles: {split.rps:.0f} req/s (ack p50 {split.p50_ms:.1f} ms, p99 "
        f"{split.p99_ms:.1f} ms), {split_queries} re-reads in the worker meanwhile",
        f"{bare.rps:.0f} req/s bare aiohttp (p50 {bare.p50_ms:.1f} ms, p99 {bare.p99_ms:.1f} ms)",
        split_ratio,
        "ratio >= 0.5 (split roles)",
        split_ratio >= 0.5 and split.errors == 0 and trt.errors == 0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--profile", type=Path, help="py-spy raw profile of trt to this file")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
