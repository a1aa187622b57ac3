"""Updates end to end in webhook mode: button presses/s that TRT turns into an edited message, vs
aiogram's bare handler doing the same, under the same closed-loop load.

TRT runs as `python -m trt run` with BOT_MODE=webhook and WEBHOOK_SECRET on a scratch PostgreSQL
database (FSM state in the database: REDIS_URL unset, the default), the Bot API emulator in this
process. Each of `--users` users has a bot message in their chat with a "🆓 Free" button (callback
data `c:free:0`); `--concurrency` presses are kept in flight, each by the next user in turn (every
user presses far slower than TRT's per-user throttle of 5/s): this process posts the
`callback_query` update (a new update id each time) straight to the app's `/telegram/webhook` with
the secret header, waits until the emulator receives the `editMessageText` for that chat, and
presses again. Per press TRT throttles per user, checks the update id against the database, loads
the user's account, reads the FSM state, renders the free-models list and edits the message (and
answers the query). The baseline is a fresh interpreter running a minimal aiogram Dispatcher with
SimpleRequestHandler whose one handler edits the message and answers the query, fed the same
presses in the same way. The message text is reset before each press so that no edit is refused as
"not modified". A warm-up of one press per user comes first (so every account exists); then
`--duration` seconds. Reported: handled presses/s, their ratio, and the time from posting the
update to the emulator receiving the edit (p50, p99).
"""

import argparse
import asyncio
import itertools
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, percentile, report
from harness import (
    WEBHOOK_SECRET,
    ChildProcess,
    TimedBotApi,
    app_env,
    bot_process,
    doubles,
    profiled,
    scratch_database,
    summarize_profile,
)

from trt.bot.callbacks import ListCb
from trt.sandbox.botapi import StoredMessage

FIRST_USER = 90_001
PRESS_TIMEOUT = 10.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

BARE_AIOGRAM_APP = """
import sys
from aiohttp import web
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application

port, api_base, token, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_base)))
dp = Dispatcher()
MARKUP = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Back", callback_data="m:main")]]
)

@dp.callback_query()
async def pressed(query: CallbackQuery) -> None:
    await query.message.edit_text("Free models: 4", reply_markup=MARKUP)
    await query.answer()

async def health(request):
    return web.json_response({"status": "ok"})

app = web.Application()
app.router.add_get("/health", health)
SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(
    app, path="/telegram/webhook"
)
setup_application(app, dp, bot=bot)
web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
"""


@dataclass
class LoadResult:
    handled: int
    seconds: float
    latencies: list[float]
    timeouts: int

    @property
    def rate(self) -> float:
        return self.handled / self.seconds

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


class Presser:
    """Virtual users pressing the free-models button, each waiting for its edit."""

    def __init__(self, telegram: TimedBotApi, users: int) -> None:
        self.telegram = telegram
        self.messages: dict[int, StoredMessage] = {}
        for n in range(users):
            user = telegram.user(user_id=FIRST_USER + n, first_name=f"U{n}", language_code="en")
            self.messages[user.user_id] = telegram.ctx.chats.add(
                user.chat,
                {"from": telegram.bot_user, "text": "menu"},
                from_bot=True,
            )
        self._ids = itertools.count(1)
        self.data = ListCb(section="free", page=0).pack()

    def update(self, user_id: int) -> dict[str, object]:
        message = self.messages[user_id]
        message.data = {**message.data, "text": f"menu {next(self._ids)}"}
        message.data.pop("reply_markup", None)
        query_id = f"q{next(self._ids)}"
        self.telegram.ctx.queries.open("callback_query", query_id, max_age=60)
        return {
            "update_id": next(self._ids),
            "callback_query": {
                "id": query_id,
                "from": self.telegram.chat(user_id).user,  # type: ignore[union-attr]
                "message": dict(message.data),
                "chat_instance": str(user_id),
                "data": self.data,
            },
        }

    async def run(
        self, url: str, *, concurrency: int, duration: float, presses: int | None = None
    ) -> LoadResult:
        """`concurrency` presses in flight, each by the next user in turn (so each user presses
        far slower than TRT's per-user throttle), until `duration` s or `presses` pressed."""
        latencies: list[float] = []
        timeouts = 0
        headers = {SECRET_HEADER: WEBHOOK_SECRET}
        turns = itertools.cycle(self.messages)
        budget = itertools.count() if presses is None else iter(range(presses))
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:
            started = time.monotonic()
            deadline = started + duration

            async def worker() -> None:
                nonlocal timeouts
                while time.monotonic() < deadline and next(budget, None) is not None:
                    user_id = next(turns)
                    update = self.update(user_id)
                    edited = self.telegram.expect("editMessageText", user_id)
                    posted = time.time()
                    async with http.post(url, json=update, headers=headers) as answer:
                        await answer.read()
                        if answer.status != 200:
                            raise RuntimeError(f"webhook answered {answer.status}")
                    try:
                        arrived = await asyncio.wait_for(edited, PRESS_TIMEOUT)
                    except TimeoutError:
                        timeouts += 1
                        continue
                    latencies.append(arrived - posted)

            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.monotonic() - started
        return LoadResult(len(latencies), elapsed, latencies, timeouts)


async def measure(
    presser: Presser,
    url: str,
    *,
    concurrency: int,
    duration: float,
    child: ChildProcess,
    profile: Path | None = None,
) -> LoadResult:
    # Warm-up: one press per user (accounts exist afterwards), caches and pools filled.
    await presser.run(url, concurrency=concurrency, duration=60, presses=len(presser.messages))
    async with profiled(child, profile, seconds=duration - 1):
        return await presser.run(url, concurrency=concurrency, duration=duration)


async def main_async(args: argparse.Namespace) -> None:
    async with scratch_database() as db_url, doubles() as (telegram, kie):
        presser = Presser(telegram, args.users)
        port = free_port()
        env = app_env(
            port=port,
            db_url=db_url,
            telegram=telegram,
            kie=kie,
            bot_mode="webhook",
            webhook_secret=WEBHOOK_SECRET,
        )
        async with bot_process(env, port=port) as app:
            await telegram.wait_until(lambda: bool(telegram.calls("setWebhook")), timeout=60)
            trt = await measure(
                presser,
                f"http://127.0.0.1:{port}/telegram/webhook",
                concurrency=args.concurrency,
                duration=args.duration,
                child=app,
                profile=args.profile,
            )
        bare_port = free_port()
        bare_command = [
            sys.executable,
            "-c",
            BARE_AIOGRAM_APP,
            str(bare_port),
            telegram.base_url,
            telegram.token,
            WEBHOOK_SECRET,
        ]
        bare_app = ChildProcess(bare_command, env=app.env, name="bare-aiogram")
        bare_app.start()
        try:
            await bare_app.wait_http(f"http://127.0.0.1:{bare_port}/health")
            bare = await measure(
                presser,
                f"http://127.0.0.1:{bare_port}/telegram/webhook",
                concurrency=args.concurrency,
                duration=args.duration,
                child=bare_app,
            )
        finally:
            await bare_app.stop()
            bare_app.cleanup()
    for name, result in (("trt", trt), ("bare aiogram", bare)):
        print(
            f"{name:13}: {result.rate:7.1f} presses/s ({result.handled} in {result.seconds:.1f} s,"
            f" {args.concurrency} in flight), post -> editMessageText p50 {result.p(50):.1f} ms, "
            f"p99 {result.p(99):.1f} ms, timeouts {result.timeouts}"
        )
    if args.profile is not None:
        print(f"py-spy profile of trt during the measured run ({args.profile}):")
        print(summarize_profile(args.profile))
    ratio = trt.rate / bare.rate
    report(
        "updates",
        f"{trt.rate:.0f} presses/s (p50 {trt.p(50):.0f} ms, p99 {trt.p(99):.0f} ms)",
        f"{bare.rate:.0f} presses/s bare aiogram (p50 {bare.p(50):.0f} ms, "
        f"p99 {bare.p(99):.0f} ms)",
        ratio,
        "report ratio and p99",
        trt.timeouts == 0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32, help="presses in flight")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--profile", type=Path, help="py-spy raw profile of trt to this file")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
