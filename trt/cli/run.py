"""`trt run`: the bot process (HTTP port first, then database, Telegram and workers)."""

import argparse
import asyncio

from trt.cli.common import settings_or_exit


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("run", help="run the bot (reads settings from env and .env)")
    parser.set_defaults(handler=handle)


def handle(_: argparse.Namespace) -> int:
    settings = settings_or_exit(require_run=True)
    if settings is None:
        return 2
    from trt.app import serve

    asyncio.run(serve(settings))
    return 0
