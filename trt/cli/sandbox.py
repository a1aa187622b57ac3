"""`trt sandbox`: the whole product offline, with no tokens.

Starts the KIE simulator, the YooKassa simulator and the Telegram Bot API emulator on loopback,
then the bot itself (SQLite, polling) pointed at them, and prints the address of the web chat
page where a person can talk to the bot, press its buttons, send photos and "pay" (in Stars,
or by "card" on the YooKassa simulator's page the payment link opens).
"""

import argparse
import asyncio
import contextlib
import secrets
from pathlib import Path

from trt.cli.common import configure_from


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("sandbox", help="try the bot offline in a browser chat")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback)")
    parser.add_argument("--port", type=int, default=8090, help="web chat / Bot API emulator port")
    parser.add_argument("--bot-port", type=int, default=8091, help="the bot's own HTTP port")
    parser.add_argument("--kie-port", type=int, default=8092, help="KIE simulator port")
    parser.add_argument(
        "--yookassa-port", type=int, default=0, help="YooKassa simulator port (default: any)"
    )
    parser.add_argument(
        "--database", default="sqlite+aiosqlite:///./sandbox.sqlite3", help="database URL"
    )
    parser.add_argument("--kie-latency", type=float, default=4.0, help="seconds per generation")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_sandbox(args))
    return 0


async def run_sandbox(args: argparse.Namespace, *, stop: asyncio.Event | None = None) -> None:
    from trt.app import serve
    from trt.sandbox.botapi import BotApiEmulator
    from trt.sandbox.kie import Behaviour, KieSimulator
    from trt.sandbox.yookassa import YooKassaSimulator

    kie_key, shop_key = secrets.token_hex(8), secrets.token_hex(8)
    async with (
        KieSimulator(api_key=kie_key, host=args.host, port=args.kie_port) as kie,
        YooKassaSimulator(secret_key=shop_key, host=args.host, port=args.yookassa_port) as shop,
        BotApiEmulator(host=args.host, port=args.port) as telegram,
    ):
        kie.set_behaviour(Behaviour(latency=args.kie_latency))
        settings = configure_from(
            BOT_TOKEN=telegram.token,
            KIE_API_KEY=kie_key,
            DATABASE_URL=args.database,
            TELEGRAM_API_BASE=telegram.base_url,
            KIE_API_BASE=kie.base_url,
            KIE_UPLOAD_BASE=kie.base_url,
            PUBLIC_BASE_URL=f"http://{args.host}:{args.bot_port}",
            CALLBACK_SECRET=secrets.token_hex(16),
            HOST=args.host,
            PORT=str(args.bot_port),
            BOT_MODE="polling",
            YOOKASSA_SHOP_ID=shop.shop_id,
            YOOKASSA_SECRET_KEY=shop_key,
            YOOKASSA_API_BASE=shop.api_base,
            YOOKASSA_RETURN_URL=f"{telegram.base_url}/",  # "back to the shop": the chat page
            YOOKASSA_CHECK_SECONDS="5",
        )
        if settings is None:
            return
        shop.notification_url = f"{settings.public_base_url}/payments/yookassa"
        print(f"TRT sandbox: open {telegram.base_url}/ in a browser to chat with the bot")
        print(f"  bot health: {settings.public_base_url}/health   KIE simulator: {kie.base_url}")
        print(f"  YooKassa simulator: {shop.base_url} (card payments open its page)")
        print(f"  database: {args.database} (in {Path.cwd()})   stop with Ctrl+C")
        await serve(settings, stop=stop)
