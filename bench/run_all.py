"""Run every benchmark, one after the other, and collect their closing lines into a Markdown
table, printed and written to `bench/results/latest.md` (git-ignored).

Each benchmark is a separate `python bench/<name>.py` process, bounded by `--timeout`; its
output is shown as it runs. A benchmark that fails or prints no closing line is listed as such.
"""

import argparse
import os
import platform
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BENCHMARKS = (
    "startup",
    "callback_ingest",
    "callback_to_delivery",
    "kie_queries",
    "scale",
    "updates",
    "broadcast",
)
# Longer than the default: 5,000 messages at Telegram's ~30/s take about three minutes.
TIMEOUTS = {"broadcast": 330.0}


def run(name: str, timeout: float) -> tuple[str, float]:
    """The closing line of one benchmark (or why there is none) and its wall time."""
    started = time.monotonic()
    lines: list[str] = []
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / f"{name}.py")],
        cwd=BENCH.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(timeout, proc.terminate)  # ends this child only, by its PID
    watchdog.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(f"  {line}", end="", flush=True)
            lines.append(line.rstrip("\n"))
        proc.wait()
    finally:
        watchdog.cancel()
    elapsed = time.monotonic() - started
    if elapsed >= timeout:
        return f"{name}: timed out after {timeout:.0f} s", elapsed
    last = next((line for line in reversed(lines) if line.strip()), "")
    if proc.returncode != 0 or not last.startswith(f"{name}: measured"):
        return f"{name}: failed (exit {proc.returncode}): {last[:200]}", elapsed
    return last, elapsed


def row(line: str, elapsed: float) -> str:
    name, _, rest = line.partition(": ")
    parts = [part.strip() for part in rest.split(" | ")]
    if len(parts) != 5 or not parts[0].startswith("measured "):
        return f"| {name} | {rest} | | | | ERROR | {elapsed:.0f} s |"
    measured, baseline, ratio, target, verdict = parts
    return (
        f"| {name} | {measured.removeprefix('measured ')} | {baseline.removeprefix('baseline ')}"
        f" | {ratio.removeprefix('ratio ')} | {target.removeprefix('target ')} | {verdict}"
        f" | {elapsed:.0f} s |"
    )


def machine() -> str:
    return (
        f"{os.cpu_count()}-core {platform.machine()} container, Python "
        f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"some of {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument(
        "--timeout", type=float, default=240.0, help="per benchmark, seconds (broadcast: 330)"
    )
    args = parser.parse_args()
    names = args.names or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    started = time.monotonic()
    results = []
    for name in names:
        print(f"== {name}", flush=True)
        results.append(run(name, max(args.timeout, TIMEOUTS.get(name, 0.0))))
    table = [
        f"Machine: {machine()}; total {time.monotonic() - started:.0f} s.",
        "",
        "| benchmark | measured | baseline | ratio | target | result | time |",
        "|---|---|---|---|---|---|---|",
        *(row(line, elapsed) for line, elapsed in results),
    ]
    text = "\n".join(table) + "\n"
    print()
    print(text, end="")
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(text)


if __name__ == "__main__":
    main()
