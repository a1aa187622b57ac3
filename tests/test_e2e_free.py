"""`trt e2e-free`: the dry run checks payloads without calls; --sim runs all four free models."""

import subprocess
import sys
from pathlib import Path

FREE = ("z-image", "qwen-t2i", "qwen-i2i", "qwen-edit")


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trt", "e2e-free", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_the_dry_run_builds_every_free_payload_and_calls_nothing(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:-1]]
    assert {row[0]: row[1] for row in rows} == dict.fromkeys(FREE, "dry-run")
    assert result.stdout.splitlines()[-1].startswith("SUMMARY: 4/4 passed, 0 failed")


def test_the_simulated_run_takes_every_free_model_to_success(tmp_path: Path) -> None:
    result = run(tmp_path, "--sim", "--timeout", "60")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:-1]}
    assert set(rows) == set(FREE)
    assert all(row[1] == "succeeded" for row in rows.values())
    assert all(int(row[4]) >= 1 for row in rows.values())  # a callback reached each
    summary = result.stdout.splitlines()[-1]
    assert "callback_4xx=0 job_not_found=0" in summary
    assert "4/4 passed" in result.stderr or "[####] 4/4" in result.stderr
