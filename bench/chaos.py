"""Money under chaos, many runs: each seed is one scenario of generations and Stars top-ups by
several users against a real bot process, with kill -9, crash points, bad callbacks, KIE and
Telegram errors and database connection drops; then everything restarts and the invariants are
checked (tests/chaos). Prints one line per run and the totals; exits 1 on any violation.

    .venv/bin/python bench/chaos.py --runs 1000 --minutes 240     # the long run
    .venv/bin/python bench/chaos.py --seeds 17,42                 # replay failing seeds

Needs PostgreSQL at 127.0.0.1:5432 (TRT_BENCH_PG_URL overrides the admin URL); a scratch
database is created and dropped. `--spawn exec` starts each bot as `python -m trt run`
(about 3 s slower per start) instead of forking it from a warm parent.
"""

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import scratch_database  # noqa: E402

from tests.chaos.plan import make_plan  # noqa: E402
from tests.chaos.runner import run_plan  # noqa: E402
from tests.chaos.summary import Summary, run_line  # noqa: E402
from tests.chaos.world import World  # noqa: E402
from tests.drivers.launcher import launcher  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="how many seeds to run")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--seeds", help="comma-separated seeds (overrides --runs/--first-seed)")
    parser.add_argument("--minutes", type=float, default=60.0, help="start no run after this")
    parser.add_argument("--spawn", choices=("fork", "exec"), default="fork")
    parser.add_argument("--keep-logs", action="store_true", help="keep every run's bot log")
    return parser.parse_args()


async def main(args: argparse.Namespace) -> int:
    if args.seeds:
        seeds = [int(seed) for seed in args.seeds.split(",")]
    else:
        seeds = list(range(args.first_seed, args.first_seed + args.runs))
    workdir = Path(tempfile.mkdtemp(prefix="trt-chaos-"))
    summary = Summary()
    stop_at = time.monotonic() + args.minutes * 60
    async with scratch_database() as url:
        world = await World(db_url=url, launcher=await launcher(args.spawn), workdir=workdir).open()
        try:
            for seed in seeds:
                if time.monotonic() > stop_at:
                    print(f"# time limit reached after {summary.runs} runs")
                    break
                try:
                    report = await run_plan(world, make_plan(seed))
                except Exception as exc:  # noqa: BLE001 - a harness failure: report it, go on
                    summary.aborted[seed] = f"{type(exc).__name__}: {exc}"[:300]
                    print(f"seed {seed}: ABORTED {summary.aborted[seed]}", flush=True)
                    continue
                summary.add(report)
                print(run_line(report), flush=True)
                for violation in report.violations:
                    print(f"  VIOLATION seed {seed}: {violation}", flush=True)
                if not report.violations and not args.keep_logs:
                    shutil.rmtree(workdir / f"run-{seed}", ignore_errors=True)
        finally:
            await world.close()
    print("\n".join(summary.lines()))
    if summary.failing or summary.aborted:
        print(f"# logs of the failing runs: {workdir}/run-<seed>/bot-<n>.log")
    elif not args.keep_logs:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if summary.failing or summary.aborted else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
