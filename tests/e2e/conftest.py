"""The whole bot in-process: `trt.app.serve` with the real composition, talking to the Bot API
emulator and the KIE simulator over loopback, on each database engine."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.drivers.process import free_port
from trt.app import serve
from trt.config import load_settings
from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.kie import KieSimulator

KIE_KEY = "e2e-kie-key"


@dataclass
class Stack:
    telegram: BotApiEmulator
    kie: KieSimulator
    port: int


@pytest.fixture
async def stack(db_url: str) -> AsyncIterator[Stack]:
    async with KieSimulator(api_key=KIE_KEY) as kie, BotApiEmulator() as telegram:
        port = free_port()
        settings = load_settings(
            bot_token=telegram.token,
            kie_api_key=KIE_KEY,
            database_url=db_url,
            telegram_api_base=telegram.base_url,
            kie_api_base=kie.base_url,
            kie_upload_base=kie.base_url,
            host="127.0.0.1",
            port=port,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(serve(settings, stop=stop))
        await telegram.wait_until(lambda: bool(telegram.calls("getMe")), timeout=20)
        try:
            yield Stack(telegram=telegram, kie=kie, port=port)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=30)
