"""The ``newsarchive`` command line: global options, then one module per subcommand."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from crawler import __version__
from crawler.errors import ConfigError, DatabaseUnavailable
from crawler.logs import log_format, setup_logging
from crawler.warc.objectstore import StoreUnavailable
from scheduler import exitcodes

log = logging.getLogger(__name__)

COMMANDS = [
    "crawl",
    "backfill",
    "daemon",
    "worker",
    "status",
    "replay",
    "extract",
    "demo",
    "db",
    "sources",
    "export",
    "export_wacz",
    "serve",
    "archive",
    "web",
]
"""Subcommand modules under ``scheduler.commands``; each has ``register(subparsers)``."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsarchive", description="Scheduled news crawling into WARC files and PostgreSQL article records."
    )
    parser.add_argument("--config", help="config file (default ./newsarchive.toml, env NEWSARCHIVE_CONFIG)")
    parser.add_argument(
        "--log-level",
        default=None,
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="default INFO (`demo`: WARNING, it prints its own progress)",
    )
    parser.add_argument(
        "--log-format",
        choices=["text", "json"],
        default=None,
        help="default: text on a terminal, JSON otherwise (crawl subprocesses log alike)",
    )
    parser.add_argument("--version", action="version", version=f"newsarchive {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"scheduler.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"scheduler.commands.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return exitcodes.USAGE
    # The one place the logging rule is applied; commands pass these resolved values on to their crawls.
    args.log_level = args.log_level or getattr(args, "default_log_level", "INFO")
    args.log_format = log_format(args.log_format)
    setup_logging(args.log_level, args.log_format)
    try:
        return args.func(args)
    except ConfigError as error:
        print(f"newsarchive: configuration error: {error}", file=sys.stderr)
        return exitcodes.CONFIG
    except DatabaseUnavailable as error:
        print(f"newsarchive: database unavailable: {error}", file=sys.stderr)
        return exitcodes.UNAVAILABLE
    except StoreUnavailable as error:
        print(f"newsarchive: {error}", file=sys.stderr)
        return exitcodes.UNAVAILABLE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
