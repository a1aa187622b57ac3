"""Two bot instances on one PostgreSQL: only the leader sends a broadcast, within its limiter's
overall rate, and when it stops the other instance takes over and finishes it — nobody gets the
message twice and the admin gets one report.

Each instance is the real app (`serve`) with its own Bot API emulator (enforcing Telegram's
limits), so every message is seen by the instance that sent it.
"""

import asyncio
import inspect
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import pytest

from tests.conftest import _truncate_all
from tests.drivers.process import free_port
from tests.e2e.conftest import KIE_KEY
from trt.app import serve
from trt.app.parts import Parts
from trt.bot.limiter import SendLimiter
from trt.config import load_settings
from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.kie import KieSimulator
from trt.services.ports import SystemClock
from trt.storage import users
from trt.storage.database import Database

ADMIN = 8000
USERS = range(8001, 8091)
TEXT = "Big news for everyone"
# The sender's overall token bucket, as the app builds it (trt.bot.limiter).
_LIMITS = inspect.signature(SendLimiter).parameters
BURST, RATE = _LIMITS["overall_burst"].default, _LIMITS["overall_rate"].default


@dataclass
class Instance:
    telegram: BotApiEmulator
    port: int
    stop: asyncio.Event
    task: "asyncio.Task[None]"

    async def role(self) -> str:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{self.port}/health") as response,
        ):
            return str((await response.json())["role"])

    async def wait_role(self, role: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while await self.role() != role:
            assert time.monotonic() < deadline, f"not {role} in {timeout} s"
            await asyncio.sleep(0.1)

    def deliveries(self) -> list[tuple[int, float]]:
        """(chat id, when) of every broadcast message this instance got through to a user (the
        admin, who also sees the preview, left out)."""
        return [
            (int(call.params["chat_id"]), call.at)
            for call in self.telegram.sent("sendMessage")
            if call.params.get("text") == TEXT and int(call.params["chat_id"]) != ADMIN
        ]

    def reports(self) -> list[str]:
        chat = self.telegram.user(ADMIN)
        return [m.text for m in chat.messages(from_bot=True) if m.text.startswith("✅ Broadcast")]

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, timeout=30)


@asynccontextmanager
async def instance(db_url: str, kie: KieSimulator) -> AsyncIterator[Instance]:
    async with BotApiEmulator(enforce_limits=True) as telegram:
        for uid in [ADMIN, *USERS]:
            telegram.user(uid, language_code="en")
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
            admin_ids=(ADMIN,),
        )
        stop = asyncio.Event()
        started: asyncio.Future[Parts] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(serve(settings, stop=stop, started=started))
        await asyncio.wait_for(started, timeout=30)
        running = Instance(telegram=telegram, port=port, stop=stop, task=task)
        try:
            yield running
        finally:
            if not task.done():
                await running.close()


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max(
        sum(1 for other in times[index:] if other - start < 1.0)
        for index, start in enumerate(times)
    )


async def seed_users(db_url: str) -> None:
    database = Database(db_url)
    try:
        async with database.transaction() as tx:
            for uid in USERS:
                await users.ensure_user(tx, user_id=uid, now=SystemClock().now())
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_only_the_leader_sends_and_the_next_one_finishes(pg_url: str) -> None:
    await _truncate_all(pg_url)
    await seed_users(pg_url)
    async with (
        KieSimulator(api_key=KIE_KEY, credits=1_000_000) as kie,
        instance(pg_url, kie) as first,
    ):
        await first.wait_role("active")
        async with instance(pg_url, kie) as second:
            await second.wait_role("passive")
            admin = first.telegram.user(ADMIN)  # only the leader polls Telegram
            await admin.send_command("/broadcast")
            await admin.wait_for(lambda m: "Send the broadcast message" in m.text)
            await admin.send_text(TEXT)
            await admin.wait_for(lambda m: "✅ Send to everyone" in str(m.buttons))
            await admin.click("✅ Send to everyone")
            await first.telegram.wait_until(lambda: len(first.deliveries()) >= 40, timeout=15)

            await first.close()  # the leader stops halfway
            await second.wait_role("active")
            await second.telegram.wait_until(lambda: bool(second.reports()), timeout=20)

            by_first, by_second = first.deliveries(), second.deliveries()

    assert sorted(uid for uid, _ in by_first + by_second) == list(USERS)  # each exactly once
    assert 40 <= len(by_first) < len(USERS)
    assert max(at for _, at in by_first) < min(at for _, at in by_second)  # never both
    for sent in (by_first, by_second):
        times = [at for _, at in sent]
        assert busiest_second(times) <= BURST + RATE
        if len(times) > BURST + 10:
            assert (len(times) - BURST) / (max(times) - min(times)) <= RATE * 1.1
    # Telegram's limits (enforced by the emulators) never refused a message to a user; the
    # admin's own chat, with the bot's replies and the progress message, may hit its per-chat one.
    assert sum(i.telegram.rate_limited(uid) for i in (first, second) for uid in USERS) == 0
    assert first.reports() == []
    everyone = len(USERS) + 1  # the admin is a user too
    assert second.reports() == [
        f"✅ Broadcast #1 finished: {everyone} recipients, sent {everyone}, blocked 0, failed 0."
    ]
