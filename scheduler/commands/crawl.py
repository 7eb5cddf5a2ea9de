"""``newsarchive crawl SOURCE... | --all``: one run per source now, in the foreground."""

from __future__ import annotations

import argparse
import logging
import sys

from crawler.config import Config, SourceConfig
from crawler.run.shipping import check_store
from scheduler import exitcodes
from scheduler.context import load_app_config
from scheduler.jobs import RunRequest, SourceRunner
from scheduler.stopsignals import stop_on_signals

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("crawl", help="crawl sources now, in the foreground")
    parser.add_argument("sources", nargs="*", metavar="SOURCE")
    parser.add_argument("--all", action="store_true", help="every enabled source")
    parser.add_argument(
        "--trigger",
        choices=["manual", "cron"],
        default="manual",
        help="recorded in crawl_runs (cron: started by cron or a systemd timer)",
    )
    parser.add_argument(
        "--enqueue",
        action="store_true",
        help="queue the runs for `newsarchive worker`s instead of crawling here (coalesced if one is waiting)",
    )
    parser.set_defaults(func=run)


def select_sources(config: Config, names: list[str], every: bool) -> list[SourceConfig]:
    """The sources named, or every enabled one with ``--all``; an unknown name is a usage error."""
    if every:
        return [source for source in config.sources if source.enabled]
    known = {source.name: source for source in config.sources}
    missing = [name for name in names if name not in known]
    if missing:
        raise KeyError(", ".join(missing))
    return [known[name] for name in names]


def run(args: argparse.Namespace) -> int:
    if not args.sources and not args.all:
        print("newsarchive crawl: name at least one SOURCE, or --all", file=sys.stderr)
        return exitcodes.USAGE
    config = load_app_config(args)
    try:
        sources = select_sources(config, args.sources, args.all)
    except KeyError as error:
        print(f"newsarchive crawl: unknown source: {error.args[0]} (see `newsarchive sources`)", file=sys.stderr)
        return exitcodes.USAGE
    if args.enqueue:
        return enqueue(config, sources, args.trigger)
    check_store(config.archive)
    # Several runs share one pre-imported fork server (start-up paid once); a lone run is cheaper as a plain child.
    runner = SourceRunner(
        config, stop=stop_on_signals(), log_level=args.log_level, log_format=args.log_format, forked=len(sources) > 1
    )
    codes = []
    for source in sources:
        if runner.stop.is_set():
            break
        result = runner.run(RunRequest(source, args.trigger))
        if result.status == "degraded":
            print(f"warning: {source.name}: run degraded: {result.error}", file=sys.stderr)
        codes.append(result.exit_code)
    return exitcodes.most_severe(codes)


def enqueue(config: Config, sources: list[SourceConfig], trigger: str) -> int:
    """Queue one run per source; a source whose previous queued run has not started yet is coalesced into it."""
    from crawler.errors import DatabaseUnavailable
    from crawler.storage.database import database_url
    from scheduler.queue.enqueue import Enqueuer

    enqueuer = Enqueuer(database_url(config))
    try:
        for source in sources:
            job = enqueuer.enqueue(source.name, trigger)
            print(f"{source.name}: {'queued as job ' + str(job) if job else 'already queued (coalesced)'}")
    except DatabaseUnavailable as error:
        print(f"newsarchive crawl: {error}", file=sys.stderr)
        return exitcodes.UNAVAILABLE
    finally:
        enqueuer.close()
    return exitcodes.OK
