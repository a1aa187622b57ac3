"""Broadcast: messages/s to `--users` users with the Bot API emulator enforcing Telegram's limits
(30 messages/s overall, 1/s per chat; a call over either gets 429 with retry_after).

TRT runs as `python -m trt run` (polling mode, so it is the leader and runs the broadcast
worker) on a scratch PostgreSQL database; the emulator (with arrival timestamps) runs in this
process. Setup: `--users` active users in the database, each with a chat the emulator knows.
This process then starts one text broadcast through TRT's own `Broadcasts.start` (what the
admin's confirm button calls; it creates the broadcast and a pending row per active user), and
the running app's leader worker sends it through the process's `SendLimiter`. Measured from the
emulator's arrival times of the broadcast's `sendMessage` calls: the rate over the whole send
(first to last message) and the lowest rate of any full 10-second window ("sustained"); the
429s the bot received (each one is handled: the sender pauses and retries); how the rows ended.

Baseline, in the same run: a bare aiogram `Bot` sending to `--baseline-chats` other chats one
after another as fast as the emulator answers, waiting out each 429's retry_after and retrying
(no limiter): what the emulator's ceiling gives a naive sender, and how many 429s that costs.
Target: >= 28 messages/s sustained and no unhandled 429 (every recipient sent).
"""

import argparse
import asyncio
import math
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, report
from harness import (
    TimedBotApi,
    app_env,
    bot_process,
    doubles,
    insert_users,
    profiled,
    scratch_database,
    summarize_profile,
)

from trt.bot.admin.telegram import TelegramAdminReports, TelegramBroadcastSender
from trt.bot.limiter import SendLimiter
from trt.bot.texts import load_translations
from trt.services.broadcast import Broadcasts
from trt.services.ports import SystemClock
from trt.storage import tables
from trt.storage.database import Database

FIRST_USER = 110_001
BASELINE_FIRST_CHAT = 130_001
ADMIN = 109_999
WINDOW = 10.0  # seconds: the "sustained" rate is the lowest over any full window this long
TEXT = "Bench broadcast: a new model is in the catalog."


def emulator_bot(telegram: TimedBotApi) -> Bot:
    return Bot(
        telegram.token, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url))
    )


async def start_broadcast(db_url: str, telegram: TimedBotApi) -> int:
    """One broadcast started through TRT's service, as the admin's confirm button does."""
    db = Database(db_url)
    bot = emulator_bot(telegram)
    try:
        broadcasts = Broadcasts(
            db=db,
            clock=SystemClock(),
            sender=TelegramBroadcastSender(bot=bot, limits=SendLimiter()),  # unused: not run here
            reporter=TelegramAdminReports(bot=bot, translations=load_translations()),
        )
        started = await broadcasts.start(
            admin_id=ADMIN, language="en", text=TEXT, photo_file_id=None
        )
        return started.id
    finally:
        await bot.session.close()
        await db.dispose()


async def recipient_counts(db_url: str, broadcast_id: int) -> dict[str, int]:
    db = Database(db_url)
    recipients = tables.broadcast_recipients
    try:
        async with db.read() as tx:
            rows = await tx.execute(
                sa.select(recipients.c.status, sa.func.count())
                .where(recipients.c.broadcast_id == broadcast_id)
                .group_by(recipients.c.status)
            )
            return {str(status): int(count) for status, count in rows}
    finally:
        await db.dispose()


def accepted_times(telegram: TimedBotApi, chats: set[int]) -> list[float]:
    """When the emulator accepted each sendMessage to one of `chats` (429s left out)."""
    return sorted(
        call.at for call in telegram.sent("sendMessage") if int(call.params["chat_id"]) in chats
    )


def rates(times: list[float], window: float) -> tuple[float, float]:
    """(messages/s from first to last, lowest messages/s over any full `window` seconds)."""
    if len(times) < 2:
        return math.nan, math.nan
    times = sorted(times)
    overall = (len(times) - 1) / (times[-1] - times[0])
    lowest = math.inf
    end = 0
    for start, begun in enumerate(times):  # windows that start at a message
        if begun + window > times[-1]:
            break
        while end < len(times) and times[end] < begun + window:
            end += 1
        lowest = min(lowest, (end - start) / window)
    return overall, lowest if math.isfinite(lowest) else overall


async def naive_sender(telegram: TimedBotApi, chats: list[int]) -> tuple[float, int]:
    """(messages/s, 429s) of a bare aiogram loop without a limiter that waits out each 429."""
    bot = emulator_bot(telegram)
    too_many = 0
    try:
        started = time.perf_counter()
        for chat_id in chats:
            for _ in range(20):
                try:
                    await bot.send_message(chat_id, TEXT)
                    break
                except TelegramRetryAfter as exc:
                    too_many += 1
                    await asyncio.sleep(exc.retry_after)
        elapsed = time.perf_counter() - started
    finally:
        await bot.session.close()
    return len(chats) / elapsed, too_many


async def main_async(args: argparse.Namespace) -> None:
    user_ids = list(range(FIRST_USER, FIRST_USER + args.users))
    baseline_chats = list(range(BASELINE_FIRST_CHAT, BASELINE_FIRST_CHAT + args.baseline_chats))
    async with scratch_database() as db_url, doubles(enforce_limits=True) as (telegram, kie):
        telegram.user(user_id=ADMIN, language_code="en")
        for chat_id in [*user_ids, *baseline_chats]:
            telegram.user(user_id=chat_id, language_code="en")
        port = free_port()
        env = app_env(port=port, db_url=db_url, telegram=telegram, kie=kie, admin_ids=ADMIN)
        async with bot_process(env, port=port) as app:
            db = Database(db_url)
            try:
                await insert_users(db, user_ids)
            finally:
                await db.dispose()
            before_429 = telegram.too_many_requests
            recipients = set(user_ids)
            expected = len(user_ids)
            cpu, wall = app.cpu_seconds(), time.monotonic()
            broadcast_id = await start_broadcast(db_url, telegram)
            estimate = expected / 29 + 30
            async with profiled(app, args.profile, seconds=min(30.0, estimate)):
                deadline = time.monotonic() + estimate * 1.5
                while time.monotonic() < deadline:
                    if len(accepted_times(telegram, recipients)) >= expected:
                        break
                    await asyncio.sleep(0.5)
            wall = time.monotonic() - wall
            app_cpu = (app.cpu_seconds() - cpu) / wall
            trt_429 = telegram.too_many_requests - before_429
            await asyncio.sleep(3)  # the last marks and the final report
            counts = await recipient_counts(db_url, broadcast_id)
        await asyncio.sleep(1.1)  # the emulator's overall bucket refills before the baseline
        before_429 = telegram.too_many_requests
        baseline_rate, baseline_429 = await naive_sender(telegram, baseline_chats)
    arrivals = [
        a.at for a in telegram.arrivals if a.method == "sendMessage" and a.chat_id in recipients
    ]
    accepted = accepted_times(telegram, recipients)
    overall, lowest = rates(accepted, WINDOW)
    print(
        f"trt : {len(accepted)} of {expected} recipients got the message ({len(arrivals)} "
        f"sendMessage arrivals); {overall:.1f} msg/s first to last, lowest {WINDOW:.0f} s "
        f"window {lowest:.1f} msg/s; 429s received {trt_429}; rows {counts}; app CPU "
        f"{app_cpu:.2f} of a core"
    )
    print(
        f"bare: naive aiogram loop (no limiter, waits out 429s) to {len(baseline_chats)} chats: "
        f"{baseline_rate:.1f} msg/s, {baseline_429} 429s "
        f"(emulator total {telegram.too_many_requests - before_429})"
    )
    if args.profile is not None:
        print(f"py-spy profile of trt during the broadcast ({args.profile}):")
        print(summarize_profile(args.profile))
    unhandled = expected - counts.get("sent", 0)
    report(
        "broadcast",
        f"{lowest:.1f} msg/s sustained (lowest {WINDOW:.0f} s window; {overall:.1f} msg/s "
        f"overall) to {expected} users, {trt_429} 429s, {unhandled} not sent",
        f"naive aiogram loop {baseline_rate:.1f} msg/s with {baseline_429} 429s",
        lowest / baseline_rate,
        ">= 28 msg/s sustained, no unhandled 429",
        lowest >= 28 and unhandled == 0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--baseline-chats", type=int, default=300)
    parser.add_argument("--profile", type=Path, help="py-spy raw profile of trt to this file")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
