"""``newsarchive daemon``: run the scheduler in the foreground until SIGTERM/SIGINT; SIGHUP reloads the config."""

from __future__ import annotations

import argparse
import logging

from scheduler.context import load_app_config
from scheduler.jobs import SourceRunner


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "daemon",
        help="run every enabled source on its schedule, in the foreground",
        description="Run every enabled source on its schedule. SIGTERM/SIGINT: stop within [scheduler].stop_timeout "
        "(running crawls are cancelled, exit 0). SIGHUP: reload the config. A second daemon on the same database "
        "stands by and takes over when the first dies.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scheduler.daemon import Daemon

    config = load_app_config(args)
    if logging.getLogger().level > logging.DEBUG:
        # One line per run start and finish comes from our jobs; APScheduler's own per-run lines repeat them.
        # Its warnings (a missed run, a run skipped because the previous one is still going) stay.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    runner = SourceRunner(config, log_level=args.log_level, log_format=args.log_format)
    daemon = Daemon(config, load=lambda: load_app_config(args), runner=runner)
    return daemon.run()
