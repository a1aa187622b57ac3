"""`trt migrate`: bring the database schema to the newest revision (also done at start-up)."""

import argparse

from trt.cli.common import settings_or_exit


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("migrate", help="apply database migrations and exit")
    parser.set_defaults(handler=handle)


def handle(_: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if settings is None:
        return 2
    from trt.storage import migrate

    url = settings.database_url.get_secret_value()
    migrate.upgrade_blocking(url)
    print(f"database at revision {migrate.head_revision()}")
    return 0
