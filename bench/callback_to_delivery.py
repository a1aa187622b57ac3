"""Callback to delivery: from a KIE callback's arrival at the app to the `sendPhoto` request
reaching the Bot API emulator, at `--rate` callbacks/s sustained for `--duration` s.

TRT runs as `python -m trt run` (polling mode) on a scratch PostgreSQL database; the KIE simulator
and the Bot API emulator (with arrival timestamps) run in this process. Setup: one user per job
with a balance and a status message in their chat, jobs started through TRT's own `Generation`
service (price held), submitted by the running app to the simulator, which holds them running and
loses their callbacks. Then, paced at the rate, this process completes each task in the simulator
and posts its callback (signed job URL, Market success body) to the app itself, noting the time
just before the POST: arrival = that time, end = when the photo upload reached the emulator's
handler. Scheduled status checks are pushed out of the run (CHECK_EXPECTED_SCALE), so each job is
found only through its callback.

A short phase at `--low-rate` first shows the pipeline below the bot's own Telegram send limit
(trt.bot.limiter: 25 messages/s overall, under Telegram's ~30/s for bulk sends; a delivery is the
photo plus a message with the result's buttons, so at most 12.5 deliveries/s); the last line is the
`--rate` phase. Undelivered photos at the end of the drain window count as later than it. Baseline:
the emulator's own round-trip for a sendPhoto of the same file from a bare aiogram Bot. Targets:
p99 <= 250 ms and p50 <= 50 ms.
"""

import argparse
import asyncio
import json
import math
import sys
import time
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BufferedInputFile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, percentile, report
from harness import (
    CALLBACK_SECRET,
    TimedBotApi,
    TimedKie,
    app_env,
    bot_process,
    doubles,
    profiled,
    scratch_database,
    start_generation_jobs,
    summarize_profile,
    wait_submitted,
)

from trt.domain.catalog import load_catalog
from trt.kie import callback_url
from trt.sandbox.kie import Behaviour, CallbackMode
from trt.storage.database import Database
from trt.storage.tables import jobs as jobs_table

MODEL = "nano-banana"
FIRST_USER = 70_001


def market_success_body(task_id: str, kie_model: str, file_url: str) -> str:
    now_ms = int(time.time() * 1000)
    data = {
        "taskId": task_id,
        "model": kie_model,
        "state": "success",
        "param": json.dumps({"model": kie_model, "input": '{"prompt":"bench"}'}),
        "resultJson": json.dumps({"resultUrls": [file_url]}),
        "failCode": "",
        "failMsg": "",
        "costTime": 1,
        "completeTime": now_ms,
        "createTime": now_ms - 1000,
        "updateTime": now_ms,
        "creditsConsumed": 1.0,
    }
    return json.dumps({"code": 200, "msg": "Playground task completed successfully.", "data": data})


async def bare_send_photo(telegram: TimedBotApi, photo: bytes, chat_id: int, n: int) -> list[float]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url))
    bot = Bot(telegram.token, session=session)
    times = []
    try:
        for _ in range(n):
            started = time.perf_counter()
            await bot.send_photo(chat_id, BufferedInputFile(photo, filename="result-0.png"))
            times.append(time.perf_counter() - started)
    finally:
        await bot.session.close()
    return times


async def paced_callbacks(
    *,
    kie: TimedKie,
    base: str,
    targets: list[tuple[int, int, str]],
    rate: float,
    file_base: str,
    kie_model: str,
) -> dict[int, float]:
    """Complete each task and post its callback at `rate`/s; {chat_id: time posted}."""
    posted: dict[int, float] = {}
    statuses: list[int] = []
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def post(chat_id: int, job_id: int, task_id: str) -> None:
            url = callback_url(base, str(job_id), CALLBACK_SECRET)
            body = market_success_body(task_id, kie_model, f"{file_base}/{task_id}/result-0.png")
            posted[chat_id] = time.time()
            headers = {"Content-Type": "application/json"}
            async with http.post(url, data=body, headers=headers) as answer:
                await answer.read()
                statuses.append(answer.status)

        loop = asyncio.get_running_loop()
        start = loop.time()
        pending = []
        for n, (chat_id, job_id, task_id) in enumerate(targets):
            delay = start + n / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            kie.complete_task(task_id)
            pending.append(asyncio.create_task(post(chat_id, job_id, task_id)))
        await asyncio.gather(*pending)
    bad = [s for s in statuses if s != 200]
    if bad:
        raise RuntimeError(f"{len(bad)} callbacks not acknowledged with 200")
    return posted


async def finished_at(db_url: str, chats: set[int]) -> dict[int, float]:
    """When each chat's job was settled as succeeded (Unix time), from the jobs table."""
    db = Database(db_url)
    try:
        async with db.read() as tx:
            rows = (
                await tx.execute(
                    sa.select(jobs_table.c.chat_id, jobs_table.c.finished_at).where(
                        jobs_table.c.finished_at.is_not(None)
                    )
                )
            ).all()
    finally:
        await db.dispose()
    return {row.chat_id: row.finished_at.timestamp() for row in rows if row.chat_id in chats}


async def run_phase(
    *,
    db_url: str,
    name: str,
    kie: TimedKie,
    telegram: TimedBotApi,
    base: str,
    targets: list[tuple[int, int, str]],
    rate: float,
    drain: float,
) -> tuple[list[float], int]:
    """Latencies (s, inf when not delivered within the drain) of one paced phase."""
    model = load_catalog().get(MODEL)
    started = time.time()
    posted = await paced_callbacks(
        kie=kie,
        base=base,
        targets=targets,
        rate=rate,
        file_base=f"{kie.public_url}/files",
        kie_model=model.kie_model,
    )
    load_s = time.time() - started
    chats = set(posted)

    def delivered() -> dict[int, float]:
        seen: dict[int, float] = {}
        for arrival in telegram.arrivals:
            if arrival.method == "sendPhoto" and arrival.chat_id in chats:
                seen.setdefault(arrival.chat_id, arrival.at)
        return seen

    deadline = time.monotonic() + drain
    while len(delivered()) < len(chats) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    seen = delivered()
    latencies = [seen[c] - posted[c] if c in seen else math.inf for c in posted]
    finite = [v for v in latencies if math.isfinite(v)]
    print(
        f"{name}: {len(targets)} callbacks at {rate:g}/s (posted in {load_s:.1f} s); "
        f"sendPhoto for {len(finite)} within {drain:.0f} s after; "
        f"p50 {_ms(percentile(latencies, 50))} p90 {_ms(percentile(latencies, 90))} "
        f"p99 {_ms(percentile(latencies, 99))} max {_ms(max(latencies))}"
    )
    throughput = math.nan
    if finite:
        span = max(seen.values()) - min(seen.values())
        if span > 0:
            throughput = len(finite) / span
            print(f"  sendPhoto throughput while delivering: {throughput:.1f}/s")
    settled = await finished_at(db_url, chats)
    to_settle = [settled[c] - posted[c] for c in posted if c in settled]
    to_send = [seen[c] - settled[c] for c in seen if c in settled]
    if to_settle and to_send:
        print(
            f"  stages: callback -> job succeeded p50 {_ms(percentile(to_settle, 50))} "
            f"p99 {_ms(percentile(to_settle, 99))}; succeeded -> sendPhoto p50 "
            f"{_ms(percentile(to_send, 50))} p99 {_ms(percentile(to_send, 99))}"
        )
    return latencies, len(finite), throughput


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if math.isfinite(seconds) else "not sent in time"


async def main_async(args: argparse.Namespace) -> None:
    low_count = round(args.low_rate * args.low_duration)
    high_count = round(args.rate * args.duration)
    total = low_count + high_count
    async with scratch_database() as db_url, doubles() as (telegram, kie):
        kie.set_behaviour(Behaviour(latency=0.3, hold=True, callback=CallbackMode.LOST))
        port = free_port()
        env = app_env(port=port, db_url=db_url, telegram=telegram, kie=kie, check_expected_scale=50)
        base = f"http://127.0.0.1:{port}"
        async with bot_process(env, port=port) as app:
            setup_started = time.monotonic()
            await start_generation_jobs(
                db_url, telegram, [(FIRST_USER + n, MODEL) for n in range(total)]
            )
            submitted = await wait_submitted(db_url, total, timeout=120)
            by_chat = {job.chat_id: (job.job_id, job.task_id) for job in submitted}
            print(
                f"setup: {total} jobs started and submitted in "
                f"{time.monotonic() - setup_started:.1f} s"
            )
            photo_url = f"{kie.public_url}/files/{next(iter(by_chat.values()))[1]}/result-0.png"
            async with aiohttp.ClientSession() as http, http.get(photo_url) as answer:
                photo = await answer.read()
            baseline = await bare_send_photo(telegram, photo, FIRST_USER, args.baseline_sends)
            chats = sorted(by_chat)
            low = [(c, *by_chat[c]) for c in chats[:low_count]]
            high = [(c, *by_chat[c]) for c in chats[low_count:]]
            if low:
                await run_phase(
                    db_url=db_url,
                    name="low",
                    kie=kie,
                    telegram=telegram,
                    base=base,
                    targets=low,
                    rate=args.low_rate,
                    drain=10,
                )
            app_cpu, own_cpu, wall = app.cpu_seconds(), time.process_time(), time.monotonic()
            async with profiled(app, args.profile, seconds=args.duration):
                latencies, delivered, throughput = await run_phase(
                    db_url=db_url,
                    name="rate",
                    kie=kie,
                    telegram=telegram,
                    base=base,
                    targets=high,
                    rate=args.rate,
                    drain=args.drain,
                )
            wall = time.monotonic() - wall
            print(
                f"  CPU while it ran: bot {(app.cpu_seconds() - app_cpu) / wall:.2f}, this "
                f"process (simulator, emulator, load) "
                f"{(time.process_time() - own_cpu) / wall:.2f} of a core"
            )
    if args.profile is not None:
        print(f"py-spy profile of trt during the {args.rate:g}/s phase:")
        print(summarize_profile(args.profile))
    base_p50, base_p99 = percentile(baseline, 50), percentile(baseline, 99)
    print(
        f"baseline: bare aiogram sendPhoto round-trip to the emulator, {len(baseline)} sends, "
        f"{len(photo)} B: p50 {base_p50 * 1000:.1f} ms p99 {base_p99 * 1000:.1f} ms"
    )
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    ratio = p99 / base_p99 if math.isfinite(p99) else math.inf
    report(
        "callback_to_delivery",
        f"p50 {_ms(p50)}, p99 {_ms(p99)} at {args.rate:g}/s for {args.duration:g} s "
        f"({delivered}/{len(latencies)} photos sent by {args.drain:g} s after it, at "
        f"{throughput:.1f}/s)",
        f"sendPhoto round-trip p50 {base_p50 * 1000:.1f} ms, p99 {base_p99 * 1000:.1f} ms",
        ratio,
        "p99 <= 250 ms and p50 <= 50 ms",
        p99 <= 0.250 and p50 <= 0.050,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--drain", type=float, default=15.0, help="seconds to wait after")
    parser.add_argument("--low-rate", type=float, default=10.0)
    parser.add_argument("--low-duration", type=float, default=10.0)
    parser.add_argument("--baseline-sends", type=int, default=200)
    parser.add_argument("--profile", type=Path, help="py-spy raw profile of trt to this file")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
