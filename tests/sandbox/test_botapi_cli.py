"""``python -m trt.sandbox.botapi``: starts fast, serves the API, and never imports aiogram."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import aiohttp


def test_emulator_package_does_not_import_aiogram() -> None:
    probe = "import sys, trt.sandbox.botapi; print('aiogram' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.strip() == "False"


async def test_module_entry_point_serves_get_me() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "trt.sandbox.botapi",
        "--port",
        "0",
        "--token",
        "99:CLI",
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        line = await asyncio.wait_for(process.stderr.readline(), 15)
        match = re.search(r"url=(http://127\.0\.0\.1:\d+)", line.decode())
        assert match is not None, line
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{match.group(1)}/bot99:CLI/getMe") as response,
        ):
            body = await response.json()
        assert body["ok"] is True
        assert body["result"]["id"] == 99
        assert body["result"]["is_bot"] is True
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) == 0
