"""Ten thousand running tasks cost timers, not coroutines; the CLI entry point serves."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time

import aiohttp

from tests.sandbox.test_kie_support import CREATE, RECORD, KieClient, fast_simulator, wait_until
from trt.sandbox.kie import Behaviour

TASKS = 10_000
CONCURRENCY = 32


async def create_many(client: KieClient, count: int) -> list[str]:
    """`count` createTask calls over CONCURRENCY workers sharing one queue of indexes."""
    indexes = iter(range(count))
    created: list[str] = []

    async def worker() -> None:
        for index in indexes:
            created.append(await client.create_market("z-image", {"prompt": f"p{index}"}))

    async with asyncio.TaskGroup() as group:
        for _ in range(CONCURRENCY):
            group.create_task(worker())
    return created


async def test_ten_thousand_held_tasks_need_no_coroutine_each() -> None:
    behaviour = Behaviour(latency=0.05, hold=True)
    async with fast_simulator(behaviour=behaviour) as sim:
        connector = aiohttp.TCPConnector(limit=CONCURRENCY)
        async with aiohttp.ClientSession(connector=connector) as session:
            started = time.monotonic()
            task_ids = await create_many(KieClient(session, sim.base_url), TASKS)
            elapsed = time.monotonic() - started

        await wait_until(
            lambda: all(task.state == "generating" for task in sim.tasks()), within=10.0
        )
        # Once the client's keep-alive connections close, only this test's own task is left.
        await wait_until(lambda: len(asyncio.all_tasks()) <= 2, within=5.0)
        async with aiohttp.ClientSession() as session:
            client = KieClient(session, sim.base_url)
            sim.complete_task(task_ids[0])
            first = await client.record(RECORD, task_ids[0])
            last = await client.record(RECORD, task_ids[-1])

    assert len(set(task_ids)) == TASKS
    assert elapsed < 60
    assert (first["state"], last["state"]) == ("success", "generating")


async def test_module_entry_point_serves_until_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "trt.sandbox.kie",
        "--port",
        "0",
        "--latency",
        "0",
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stderr is not None
        base_url = ""
        async with asyncio.timeout(20):
            while not base_url:
                line = (await process.stderr.readline()).decode()
                assert line, "the simulator exited before listening"
                found = re.search(r"base_url=(\S+)", line)
                base_url = found.group(1) if found else ""
        async with aiohttp.ClientSession() as session:
            client = KieClient(session, base_url)
            status, body = await client.post(CREATE, {"model": "z-image", "input": {}})
        assert (status, body["code"]) == (200, 200)
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            await process.wait()
    assert process.returncode == 0
