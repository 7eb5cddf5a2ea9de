"""``newsarchive demo``: the main job offline — a bundled replica publisher on 127.0.0.1 crawled end to end."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from crawler.config import Config, SourceConfig
from replica.server import ReplicaPublisher
from replica.site import ReplicaSite
from scheduler import exitcodes
from scheduler.commands import web
from scheduler.context import load_app_config
from scheduler.jobs import run_source
from scheduler.stopsignals import stop_on_signals

DEMO_SOURCE = "demo"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="crawl a local replica of a news site (no internet needed) into the database and archive"
    )
    parser.add_argument("--articles", type=int, default=12, help="articles on the replica site")
    parser.add_argument(
        "--web", action="store_true", help="then serve the reading room (`newsarchive web`) until interrupted"
    )
    parser.add_argument(
        "--listen",
        default=web.DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help=f"the reading room's address with --web (default {web.DEFAULT_LISTEN})",
    )
    parser.set_defaults(func=run)


def demo_source(base_url: str) -> SourceConfig:
    """A Khaama-like source pointed at the replica; loopback is allowed because the source names the host."""
    return SourceConfig(
        name=DEMO_SOURCE,
        title="Khaama Press replica (local demo)",
        spider="khaama",
        start_urls=(f"{base_url}/",),
        feeds=(f"{base_url}/feed/",),
        allowed_domains=("127.0.0.1",),
        schedule="*/30 * * * *",
        download_delay=0.0,
    )


def with_demo_source(config: Config, base_url: str) -> Config:
    others = tuple(source for source in config.sources if source.name != DEMO_SOURCE)
    return dataclasses.replace(config, sources=(*others, demo_source(base_url)))


def run(args: argparse.Namespace) -> int:
    config = load_app_config(args)
    with ReplicaPublisher(ReplicaSite(n_articles=args.articles)) as publisher:
        print(f"replica publisher serving {publisher.base_url}", file=sys.stderr)
        config = with_demo_source(config, publisher.base_url)
        result = run_source(
            config,
            config.source(DEMO_SOURCE),
            "manual",
            stop=stop_on_signals(),
            log_level=args.log_level,
            log_format=args.log_format or "json",
        )
    print(f"demo crawl {result.status}: {result.new_articles} new articles (run {result.run_id})", file=sys.stderr)
    from scheduler.commands import status

    status.run(argparse.Namespace(**{**vars(args), "json": False, "config_override": config}))
    return _reading_room(args, result.exit_code)


def _reading_room(args: argparse.Namespace, crawl_exit: int) -> int:
    """The last line: where to read what was crawled; with ``--web`` (and a good crawl) serve it right away."""
    try:
        host, port = web.parse_listen(args.listen)
    except ValueError as error:
        print(f"newsarchive demo: {error}", file=sys.stderr)
        return exitcodes.USAGE
    if not args.web or crawl_exit != exitcodes.OK:
        print(f"Reading room: run `newsarchive web` and open {web.reading_room_url(host, port)}", flush=True)
        return crawl_exit
    served = {"archive_url": None, "no_archive": False, "page_size": 25}
    return web.run(argparse.Namespace(**{**vars(args), **served}))
