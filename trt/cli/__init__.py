"""The `trt` command line: one module per sub-command, each with `register(subparsers)`.

Imports here stay light (argparse only): a sub-command imports what it needs when it runs,
so `trt run` can open its HTTP port before the slow imports happen.
"""

import argparse
import importlib
from collections.abc import Sequence

# Each module defines register(subparsers) and sets a `handler` default returning an exit code.
COMMAND_MODULES = ("run", "migrate", "catalog", "sandbox", "e2e-free")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trt", description="TRT: AI generations in Telegram")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"trt.cli.{name.replace('-', '_')}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code
