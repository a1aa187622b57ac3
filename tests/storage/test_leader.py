"""Leader locks and election, in process (the real-process takeover is in tests/web)."""

import asyncio
from pathlib import Path

import pytest

from trt.services.leadership import LeaderElection, Role
from trt.storage.leader import FileLeaderLock, PostgresLeaderLock


async def test_a_file_lock_has_one_holder_at_a_time(tmp_path: Path) -> None:
    first, second = FileLeaderLock(tmp_path / "l"), FileLeaderLock(tmp_path / "l")
    assert await first.try_acquire()
    assert not await second.try_acquire()
    await first.release()
    assert await second.try_acquire()
    assert await second.still_held()
    await second.release()


@pytest.mark.postgres
async def test_a_postgres_lock_has_one_holder_at_a_time(pg_url: str) -> None:
    first, second = PostgresLeaderLock(pg_url, key=77), PostgresLeaderLock(pg_url, key=77)
    try:
        assert await first.try_acquire()
        assert not await second.try_acquire()
        assert await first.still_held()
        await first.release()
        assert not await first.still_held()
        assert await second.try_acquire()
    finally:
        await first.release()
        await second.release()


async def test_election_reports_active_then_passive_for_the_second(tmp_path: Path) -> None:
    roles: dict[str, list[Role]] = {"a": [], "b": []}

    def listener(name: str):
        async def on_change(role: Role) -> None:
            roles[name].append(role)

        return on_change

    a = LeaderElection(
        lock=FileLeaderLock(tmp_path / "l"),
        on_change=listener("a"),
        retry_interval=0.02,
        check_interval=0.02,
    )
    b = LeaderElection(
        lock=FileLeaderLock(tmp_path / "l"),
        on_change=listener("b"),
        retry_interval=0.02,
        check_interval=0.02,
    )
    task_a = asyncio.create_task(a.run())
    await asyncio.sleep(0.1)
    task_b = asyncio.create_task(b.run())
    await asyncio.sleep(0.1)
    assert (roles["a"], roles["b"]) == ([Role.ACTIVE], [Role.PASSIVE])

    task_a.cancel()
    await asyncio.gather(task_a, return_exceptions=True)
    for _ in range(100):
        if b.role is Role.ACTIVE:
            break
        await asyncio.sleep(0.02)
    assert roles["b"] == [Role.PASSIVE, Role.ACTIVE]
    task_b.cancel()
    await asyncio.gather(task_b, return_exceptions=True)
