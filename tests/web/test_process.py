"""`trt run` as a real process: port first, readiness, one-line config errors, leadership."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import drop_pg_database, make_pg_database
from tests.drivers.process import BASE_ENV, TrtProcess, get_json


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[TrtProcess]]:
    started: list[TrtProcess] = []
    yield started
    for process in started:
        process.stop()


def test_health_answers_and_ready_turns_green_after_migrations(
    tmp_path: Path, processes: list[TrtProcess]
) -> None:
    process = TrtProcess(tmp_path, {}).start()
    processes.append(process)

    process.wait_for(lambda body: body["status"] == "ok", timeout=10, what="/health")
    active = process.wait_for(lambda body: body["role"] == "active", timeout=20, what="active")
    status, ready = get_json(f"{process.base_url}/ready")

    assert active["version"]
    assert (status, ready["checks"]) == (200, {"database": "ok", "migrations": "ok"})
    assert (tmp_path / "trt.sqlite3").exists()


@pytest.mark.parametrize("missing", ["BOT_TOKEN", "KIE_API_KEY"])
def test_a_missing_setting_stops_start_up_with_one_line(tmp_path: Path, missing: str) -> None:
    env = {k: v for k, v in BASE_ENV.items() if k != missing}
    result = subprocess.run(
        [sys.executable, "-m", "trt", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"trt: configuration error: {missing} is required: set it in the environment or in .env"
    ]


def test_an_invalid_setting_is_named(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "trt", "run"],
        cwd=tmp_path,
        env={**BASE_ENV, "PORT": "http"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("trt: configuration error: PORT is invalid")
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
def test_the_passive_instance_takes_over_when_the_leader_is_killed(
    tmp_path: Path, processes: list[TrtProcess]
) -> None:
    name, url = make_pg_database()
    try:
        env = {"DATABASE_URL": url}
        leader = TrtProcess(tmp_path, env).start()
        processes.append(leader)
        leader.wait_for(lambda b: b["role"] == "active", timeout=20, what="leader active")
        follower = TrtProcess(tmp_path, env).start()
        processes.append(follower)
        follower.wait_for(lambda b: b["role"] == "passive", timeout=20, what="follower passive")

        leader.kill()
        follower.wait_for(lambda b: b["role"] == "active", timeout=10, what="takeover")
    finally:
        for process in processes:
            process.stop()
        drop_pg_database(name)
