"""``newsarchive db migrate|maintain|stop``: bring the schema up to date; apply retention; stop the embedded server."""

from __future__ import annotations

import argparse
import sys

from crawler.storage.database import database_url, redact
from crawler.storage.embedded import stop_embedded
from crawler.storage.migrate import migrate
from scheduler import exitcodes
from scheduler.context import load_app_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="database maintenance")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION")
    migrate_parser = actions.add_parser("migrate", help="apply pending schema migrations (safe to run concurrently)")
    migrate_parser.set_defaults(func=run_migrate)
    maintain_parser = actions.add_parser(
        "maintain",
        help="make the coming months' partitions and apply [retention] now (the daemon does it on its own)",
    )
    maintain_parser.set_defaults(func=run_maintain)
    stop_parser = actions.add_parser("stop", help="stop the embedded PostgreSQL server (started again on next use)")
    stop_parser.set_defaults(func=run_stop)
    parser.set_defaults(func=run_usage, db_parser=parser)


def run_usage(args: argparse.Namespace) -> int:
    args.db_parser.print_help(sys.stderr)
    return exitcodes.USAGE


def run_migrate(args: argparse.Namespace) -> int:
    config = load_app_config(args)
    url = database_url(config)
    applied = migrate(url)
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print(f"{redact(url)}: schema up to date")
    return exitcodes.OK


def run_maintain(args: argparse.Namespace) -> int:
    from crawler.storage.database import connect
    from crawler.storage.retention import maintain

    config = load_app_config(args)
    url = database_url(config)
    migrate(url)
    with connect(url, autocommit=True) as conn:
        report = maintain(conn, config.retention)
    print(report.describe())
    return exitcodes.OK


def run_stop(args: argparse.Namespace) -> int:
    config = load_app_config(args)
    if config.database.url:
        print("newsarchive db stop: a database URL is configured; only the embedded server is ours to stop")
        return exitcodes.USAGE
    pgdata = config.data_dir / "postgres"
    print("stopped embedded PostgreSQL" if stop_embedded(pgdata) else "embedded PostgreSQL was not running")
    return exitcodes.OK
