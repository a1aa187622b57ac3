"""The whole bot in-process: `trt.app.serve` with the real composition, talking to the Bot API
emulator and the KIE simulator over loopback, on each database engine."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from tests.drivers.process import free_port
from trt.app import serve
from trt.app.parts import Parts
from trt.config import load_settings
from trt.domain.ledger import EntryKind
from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.kie import Behaviour, KieSimulator
from trt.services.billing import Billing
from trt.services.ports import SystemClock
from trt.storage.database import Database

KIE_KEY = "e2e-kie-key"
CALLBACK_SECRET = "e2e-callback-secret"


@dataclass
class Stack:
    telegram: BotApiEmulator
    kie: KieSimulator
    port: int
    parts: Parts
    db: Database

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def top_up(self, user_id: int, kopecks: int) -> None:
        billing = Billing(db=self.db, clock=SystemClock())
        await billing.open_account(user_id=user_id)
        await billing.credit(
            user_id=user_id, amount=kopecks, kind=EntryKind.TOPUP, key=f"test-topup:{user_id}"
        )


@asynccontextmanager
async def running_stack(db_url: str, **overrides: object) -> AsyncIterator[Stack]:
    """The app (`serve`) with a KIE simulator and a Bot API emulator, until the block ends."""
    async with KieSimulator(api_key=KIE_KEY) as kie, BotApiEmulator() as telegram:
        kie.set_behaviour(Behaviour(latency=0.3))
        port = free_port()
        settings = load_settings(
            **{
                "bot_token": telegram.token,
                "kie_api_key": KIE_KEY,
                "database_url": db_url,
                "telegram_api_base": telegram.base_url,
                "kie_api_base": kie.base_url,
                "kie_upload_base": kie.base_url,
                "public_base_url": f"http://127.0.0.1:{port}",
                "callback_secret": CALLBACK_SECRET,
                "host": "127.0.0.1",
                "port": port,
                "check_min_delay": 0.2,
                "check_expected_scale": 0.05,
                **overrides,
            }
        )
        stop = asyncio.Event()
        started: asyncio.Future[Parts] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(serve(settings, stop=stop, started=started))
        parts = await asyncio.wait_for(started, timeout=30)
        ready_call = "getMe" if settings.bot_mode == "polling" else "setWebhook"
        await telegram.wait_until(lambda: bool(telegram.calls(ready_call)), timeout=20)
        database = Database(db_url)
        try:
            yield Stack(telegram=telegram, kie=kie, port=port, parts=parts, db=database)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=30)
            await database.dispose()


@pytest.fixture
async def stack(db_url: str) -> AsyncIterator[Stack]:
    async with running_stack(db_url) as running:
        yield running
