"""``python -m trt.sandbox.botapi --port 8081``: run the emulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from trt.sandbox.botapi.server import BotApiEmulator

log = logging.getLogger("trt.sandbox.botapi")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Telegram Bot API emulator with a web chat page")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback)")
    parser.add_argument("--port", type=int, default=8081, help="port to bind (0: any free)")
    parser.add_argument("--token", default="123456:TEST-TOKEN", help="the bot token to accept")
    parser.add_argument("--bot-username", default="trt_sandbox_bot")
    parser.add_argument("--enforce-limits", action="store_true", help="answer 429 like Telegram")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    emulator = BotApiEmulator(
        token=args.token,
        host=args.host,
        port=args.port,
        bot_username=args.bot_username,
        enforce_limits=args.enforce_limits,
    )
    async with emulator:
        log.info("botapi.ready api=%s chat=%s/", emulator.base_url, emulator.base_url)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
