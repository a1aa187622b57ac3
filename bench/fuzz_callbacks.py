"""Callback fuzz: `--count` hostile bodies (default 100,000) to `POST /callbacks/kie` of the real
app, which must answer every one with 200, keep `/health` at 200, and change nothing.

The app is `trt.app.serve` in this process (as `tests/e2e/conftest.running_stack` runs it) with
the KIE simulator and the Bot API emulator, on a scratch PostgreSQL database created and dropped
here (`--engine sqlite`: a file in a temp dir). Four in-flight jobs (Market free and paid, Veo,
Suno) have tasks the simulator holds, with scheduled checks 10 minutes away and a KIE HMAC key
set, so any change to their rows could only come from a fuzz request. The bodies come from
`tests/security/callback_bodies.py` (kinds listed there). Before and after: every row of jobs,
ledger entries, balances, holds, deliveries and payment orders; KIE record queries; the bot's
outgoing calls. `/health` is sampled every 0.25 s throughout.

Baseline: the same number of `GET /health` requests with the same client and concurrency.
Target: everything above holds, and fuzz requests/s >= 0.05 x the /health baseline (the fuzz
includes 1-2 MiB bodies and 50,000-deep nesting).
"""

import argparse
import asyncio
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import aiohttp  # noqa: E402
import structlog  # noqa: E402
from common import report  # noqa: E402
from harness import scratch_database  # noqa: E402

from tests.e2e.conftest import CALLBACK_SECRET, running_stack  # noqa: E402
from tests.security.callback_bodies import (  # noqa: E402
    FUZZ_HMAC_KEY,
    FUZZ_SETTINGS,
    READS,
    BodyFactory,
    HealthSampler,
    differences,
    fire,
    prepare_jobs,
    snapshot,
)
from trt.storage import migrate  # noqa: E402
from trt.storage.database import Database  # noqa: E402

TARGET_RATIO = 0.05


@asynccontextmanager
async def database(engine: str) -> AsyncIterator[str]:
    if engine == "postgres":
        async with scratch_database() as url:
            await _migrate(url)
            yield url
        return
    folder = tempfile.mkdtemp(prefix="trt-fuzz-")
    try:
        url = f"sqlite+aiosqlite:///{folder}/trt.sqlite3"
        await _migrate(url)
        yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await migrate.upgrade(db)
    finally:
        await db.dispose()


async def health_baseline(base_url: str, count: int, concurrency: int, time_limit: float) -> float:
    """requests/s of `count` GET /health with the fuzz client's shape."""
    loop = asyncio.get_running_loop()
    remaining = iter(range(count))
    done = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    started = loop.time()
    async with aiohttp.ClientSession(base_url, connector=connector) as http:

        async def worker() -> None:
            nonlocal done
            for _ in remaining:
                if loop.time() - started > time_limit:
                    return
                async with http.get("/health") as response:
                    await response.read()
                    assert response.status == 200
                    done += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (loop.time() - started)


def counted(requests: Iterator, every: int, total: int) -> Iterator:
    began = time.monotonic()
    for index, request in enumerate(requests, 1):
        if index % every == 0:
            rate = index / (time.monotonic() - began)
            print(f"  {index:>7}/{total} sent ({rate:,.0f}/s)", file=sys.stderr, flush=True)
        yield request


async def run(args: argparse.Namespace) -> bool:
    async with database(args.engine) as url, running_stack(url, **FUZZ_SETTINGS) as stack:
        known = await prepare_jobs(stack)
        before = await snapshot(stack.db)
        queries = stack.kie.stats().record_queries
        outgoing = sum(1 for c in stack.telegram.calls() if c.method not in READS)
        factory = BodyFactory(
            known, callback_secret=CALLBACK_SECRET, hmac_key=FUZZ_HMAC_KEY, seed=args.seed
        )
        requests = counted(factory.generate(args.count), max(1, args.count // 20), args.count)
        async with HealthSampler(stack.base_url, interval=0.25) as health:
            result = await fire(
                stack.base_url, requests, concurrency=args.concurrency, time_limit=args.time_limit
            )
            await asyncio.sleep(1.0)
        after = await snapshot(stack.db)
        changed = differences(before, after)
        queries_after = stack.kie.stats().record_queries
        outgoing_after = sum(1 for c in stack.telegram.calls() if c.method not in READS)
        baseline = await health_baseline(
            stack.base_url, result.total, args.concurrency, args.time_limit
        )

    rps = result.total / result.seconds
    print(f"engine {args.engine}, {len(known)} in-flight jobs, concurrency {args.concurrency}")
    print(f"{'kind':<14} {'sent':>8}")
    for kind, sent in sorted(result.sent.items()):
        print(f"{kind:<14} {sent:>8}")
    print(f"responses by status: {dict(result.statuses)}; first problems: {result.bad[:5]}")
    print(
        f"/health samples: {len(health.statuses)}, all 200: {health.healthy}, "
        f"slowest {health.slowest * 1000:.0f} ms"
    )
    print(f"state changes: {changed or 'none'}")
    print(
        f"KIE record queries: {queries} -> {queries_after}; "
        f"bot calls: {outgoing} -> {outgoing_after}"
    )
    print(f"{result.total} requests in {result.seconds:.1f} s: {rps:,.0f} req/s")
    ok = (
        result.total == args.count
        and result.all_ok
        and health.healthy
        and not changed
        and queries == queries_after
        and outgoing == outgoing_after
    )
    ratio = rps / baseline if baseline else 0.0
    report(
        "fuzz_callbacks",
        f"{rps:,.0f} req/s, {result.total} bodies, "
        f"all 200: {result.all_ok}, unchanged: {not changed}",
        f"{baseline:,.0f} req/s GET /health",
        ratio,
        f"all 200, health 200, no change, ratio >= {TARGET_RATIO}",
        ok and ratio >= TARGET_RATIO,
    )
    return ok and ratio >= TARGET_RATIO


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--engine", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=1800.0, help="seconds per phase")
    args = parser.parse_args()
    # The app logs every callback at INFO; a 100k run would print 100k lines.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    sys.exit(0 if asyncio.run(run(args)) else 1)


if __name__ == "__main__":
    main()
