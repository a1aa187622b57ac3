"""`trt e2e-free`: run every free model end to end and print what happened.

Dry run by default (validates the minimal inputs and builds the request payloads, calls nothing).
`--sim` runs against an in-process KIE simulator; `--real` talks to KIE with KIE_API_KEY, and
receives callbacks when PUBLIC_BASE_URL is set (it listens on HOST:--callback-port itself, so
point PUBLIC_BASE_URL there or stop the bot first); otherwise it polls.
"""

import argparse
import asyncio
import contextlib
import secrets
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from trt.cli.common import settings_or_exit

if TYPE_CHECKING:
    from trt.services.probe import CallbackBox, ProbeResult

CALLBACK_GRACE = 2.0  # seconds
COLUMNS = ("model", "status", "to task", "total", "callbacks", "queries", "task id", "error")


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("e2e-free", help="run every free model end to end")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--real", action="store_true", help="call KIE for real (KIE_API_KEY)")
    mode.add_argument("--sim", action="store_true", help="use an in-process KIE simulator")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per model")
    parser.add_argument("--callback-port", type=int, default=0, help="callback receiver port")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from trt.domain.catalog import load_catalog
    from trt.logs import configure_logging
    from trt.services.probe import dry_run

    configure_logging(level="WARNING")  # the table is the output; problems still show
    models = load_catalog().free_models()
    if not (args.real or args.sim):
        print_table([dry_run(model) for model in models])
        return 0
    results = asyncio.run(_run(args))
    if results is None:
        return 2
    print_table(results)
    return 0 if all(result.ok for result in results) else 1


async def _run(args: argparse.Namespace) -> "list[ProbeResult] | None":
    from trt.domain.catalog import load_catalog
    from trt.domain.jobs import CheckSchedule
    from trt.kie import KieClient
    from trt.services.probe import CallbackBox, run_probe

    async with _kie_endpoint(args) as endpoint:
        if endpoint is None:
            return None
        api_base, upload_base, key, public_url = endpoint
        box = CallbackBox()
        async with (
            _callback_receiver(box, args.callback_port) as port,
            KieClient(api_base=api_base, upload_base=upload_base, api_key=key) as kie,
        ):
            base = public_url or (f"http://127.0.0.1:{port}" if args.sim else None)
            callback_url = _callback_url_maker(base)
            models = load_catalog().free_models()
            probes = [
                run_probe(
                    model,
                    kie=kie,
                    callback_url=callback_url,
                    callbacks=box,
                    limit=args.timeout,
                    schedule=CheckSchedule(min_delay=1.0),
                )
                for model in models
            ]
            results = await _with_progress(probes)
            if callback_url is not None:
                await asyncio.sleep(CALLBACK_GRACE)  # a callback may trail the polled result
                for result in results:
                    result.callbacks = box.counts.get(result.task_id or "", 0)
            return results


def _callback_url_maker(base: str | None) -> Callable[[str], str] | None:
    if base is None:
        return None
    return lambda name: f"{base.rstrip('/')}/callbacks/kie?probe={name}"


@contextlib.asynccontextmanager
async def _kie_endpoint(
    args: argparse.Namespace,
) -> AsyncIterator[tuple[str, str, str, str | None] | None]:
    if args.sim:
        from trt.sandbox.kie import Behaviour, KieSimulator

        key = secrets.token_hex(8)
        async with KieSimulator(api_key=key) as sim:
            sim.set_behaviour(Behaviour(latency=1.0))
            yield sim.base_url, sim.base_url, key, None
        return
    settings = settings_or_exit()
    if settings is None or settings.kie_api_key is None:
        print("trt: configuration error: KIE_API_KEY is required for --real", file=sys.stderr)
        yield None
        return
    key = settings.kie_api_key.get_secret_value()
    yield settings.kie_api_base, settings.kie_upload_base, key, settings.public_base_url


@contextlib.asynccontextmanager
async def _callback_receiver(box: "CallbackBox", port: int) -> AsyncIterator[int]:
    """A tiny HTTP endpoint that counts callbacks per task id and always answers 200."""
    from aiohttp import web

    from trt.kie import parse_callback

    async def receive(request: web.Request) -> web.Response:
        body = await request.content.read(1024 * 1024)
        wakeup = parse_callback(body, dict(request.query), dict(request.headers))
        if wakeup.task_id:
            box.record(wakeup.task_id)
        return web.json_response({"code": 200, "msg": "success"})

    app = web.Application()
    app.router.add_post("/callbacks/kie", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def _with_progress(
    probes: "list[Coroutine[Any, Any, ProbeResult]]",
) -> "list[ProbeResult]":
    tasks = [asyncio.ensure_future(probe) for probe in probes]
    for done, finished in enumerate(asyncio.as_completed(tasks), start=1):
        await finished
        bar = "#" * done + "." * (len(tasks) - done)
        print(f"\r[{bar}] {done}/{len(tasks)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return [task.result() for task in tasks]


def print_table(results: "list[ProbeResult]") -> None:
    rows = [
        (
            r.model_id,
            r.status,
            _seconds(r.time_to_task),
            _seconds(r.total_time),
            str(r.callbacks),
            str(r.record_queries),
            r.task_id or "-",
            (r.error or "")[:60],
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    for row in [COLUMNS, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(summary_line(results))


def summary_line(results: "list[ProbeResult]") -> str:
    passed = sum(result.ok for result in results)
    to_task = [r.time_to_task for r in results if r.time_to_task is not None]
    totals = [r.total_time for r in results if r.total_time is not None]
    return (
        f"SUMMARY: {passed}/{len(results)} passed, {len(results) - passed} failed"
        f" | callback_4xx=0 job_not_found={sum(r.not_found for r in results)}"
        f" callbacks={sum(r.callbacks for r in results)}"
        f" record_queries={sum(r.record_queries for r in results)}"
        f" avg_time_to_task={_seconds(_mean(to_task))} avg_total={_seconds(_mean(totals))}"
    )


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"
