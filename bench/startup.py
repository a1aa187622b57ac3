"""Start-up: process start -> first `GET /health` 200, median of N runs, vs a bare aiohttp app.

The baseline is a fresh interpreter that imports aiohttp and serves `/health` (the least any
Python HTTP service can do); both are started the same way and polled the same way.
Target: TRT's median <= 0.5 s.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, median, report

BARE_APP = """
import sys
from aiohttp import web
async def health(request):
    return web.json_response({"status": "ok"})
app = web.Application()
app.router.add_get("/health", health)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""
POLL_INTERVAL = 0.005
TIMEOUT = 20.0


def time_to_health(command: list[str], port: int, env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.perf_counter() - started < TIMEOUT:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(POLL_INTERVAL)
        raise RuntimeError(f"no /health within {TIMEOUT}s: {command}")
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = {**os.environ, "BOT_TOKEN": "1:bench", "KIE_API_KEY": "bench", "HOST": "127.0.0.1"}
    trt_times, bare_times = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as workdir:
            port = free_port()
            bare_times.append(
                time_to_health([sys.executable, "-c", BARE_APP, str(port)], port, env, workdir)
            )
            port = free_port()
            trt_times.append(
                time_to_health(
                    [sys.executable, "-m", "trt", "run"], port, {**env, "PORT": str(port)}, workdir
                )
            )
    trt_median, bare_median = median(trt_times), median(bare_times)
    print(
        f"runs={args.runs} trt min/median/max = {min(trt_times):.3f}/{trt_median:.3f}/"
        f"{max(trt_times):.3f} s; bare aiohttp = {min(bare_times):.3f}/{bare_median:.3f}/"
        f"{max(bare_times):.3f} s"
    )
    report(
        "startup",
        f"{trt_median:.3f} s",
        f"{bare_median:.3f} s",
        trt_median / bare_median,
        "median <= 0.5 s",
        trt_median <= 0.5,
    )


if __name__ == "__main__":
    main()
