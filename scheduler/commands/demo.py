"""``newsarchive demo``: the main job offline — a bundled replica publisher on 127.0.0.1 crawled end to end.

The replica is served at the same address on every demo (the one the last demo used, else ``127.0.0.1:8079``), so
its URLs are the same and a second demo is an incremental run of the same source: nothing new, nothing fetched twice.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import sys
from urllib.parse import urlsplit

import psycopg

from crawler import statkeys
from crawler.config import Config, SourceConfig
from crawler.errors import DatabaseUnavailable
from crawler.storage.database import connect, database_url
from crawler.storage.reading import ConnectionReader
from crawler.storage.sourcefacts import source_facts
from replica.server import ReplicaPublisher
from replica.site import ReplicaSite
from scheduler import exitcodes
from scheduler.commands import status, web
from scheduler.context import load_app_config
from scheduler.jobs import RunRequest, RunResult, SourceRunner
from scheduler.stopsignals import stop_on_signals

DEMO_SOURCE = "demo"
DEMO_PORT = 8079
"""The replica's usual port (next to the reading room's 8080); any free one when it is taken."""
MEDIA_HOST = "127.0.0.2"
"""The replica's media host: a second loopback address (Linux answers all of 127/8), so the photos' other sizes
come from another host as on a real news site, with no name to resolve."""


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
    # The crawl's own narration is not the demo's story: it prints a progress line and the status table.
    parser.set_defaults(func=run, default_log_level="WARNING")


def demo_source(base_url: str, media_url: str | None = None) -> SourceConfig:
    """A Khaama-like source pointed at the replica; loopback is allowed because the source names the hosts (the
    site's, and its media host's for the photos' other sizes, which pages load as requisites)."""
    media_hosts = (urlsplit(media_url).hostname or "",) if media_url else ()
    return SourceConfig(
        name=DEMO_SOURCE,
        title="Khaama Press replica (local demo)",
        spider="khaama",
        start_urls=(f"{base_url}/",),
        feeds=(f"{base_url}/feed/",),
        allowed_domains=("127.0.0.1",),
        requisites_hosts=media_hosts,
        schedule="*/30 * * * *",
        download_delay=0.0,
    )


def with_demo_source(config: Config, base_url: str, media_url: str | None = None) -> Config:
    others = tuple(source for source in config.sources if source.name != DEMO_SOURCE)
    return dataclasses.replace(config, sources=(*others, demo_source(base_url, media_url)))


def run(args: argparse.Namespace) -> int:
    config = load_app_config(args)
    url = database_url(config)
    publisher = _start_replica(ReplicaSite(n_articles=args.articles), _previous_port(url))
    try:
        config = with_demo_source(config, publisher.base_url, publisher.media_url)
        runner = SourceRunner(config, stop=stop_on_signals(), log_level=args.log_level, log_format=args.log_format)
        result = runner.run(RunRequest(config.source(DEMO_SOURCE), "manual"))
    finally:
        publisher.stop()
    print(_summary(result, _archived(url)), file=sys.stderr, flush=True)
    status.print_status(config)  # the config the demo crawled with: its replica source is in no file
    return _reading_room(args, config, result.exit_code)


def _start_replica(site: ReplicaSite, previous: int | None) -> ReplicaPublisher:
    """The replica on the port of the last demo, else on ``DEMO_PORT``, else (both taken) on any free port."""
    wanted = [port for port in dict.fromkeys((previous, DEMO_PORT)) if port]
    for port in wanted:
        publisher = ReplicaPublisher(site, port=port, media_host=MEDIA_HOST)
        try:
            publisher.start()
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            continue
        print(f"demo: crawling the replica publisher at {publisher.base_url}/ …", file=sys.stderr, flush=True)
        return publisher
    publisher = ReplicaPublisher(site, media_host=MEDIA_HOST)
    publisher.start()
    print(
        f"demo: port {' and '.join(map(str, wanted))} taken; crawling the replica at {publisher.base_url}/ (new"
        " URLs, so its articles count as new this time) …",
        file=sys.stderr,
        flush=True,
    )
    return publisher


def _previous_port(url: str) -> int | None:
    """The port the last demo served the replica on (the demo source's stored start URL), if any."""
    try:
        with connect(url) as conn:
            row = conn.execute("SELECT config -> 'start_urls' ->> 0 FROM sources WHERE name = %s", [DEMO_SOURCE])
            found = row.fetchone()
    except (DatabaseUnavailable, psycopg.errors.UndefinedTable):
        return None  # a first demo (or no database yet: the crawl says so)
    return urlsplit(found[0]).port if found and found[0] else None


def _archived(url: str) -> int:
    try:
        with connect(url) as conn:
            facts = source_facts(ConnectionReader(conn)).get(DEMO_SOURCE)
    except DatabaseUnavailable:
        return 0
    return facts.articles if facts else 0


def _summary(result: RunResult, archived: int) -> str:
    """The demo's one line about its crawl; a second demo says what its incremental run did."""
    stats = result.stats or {}
    line = f"demo: crawl {result.status}: {result.new_articles} new articles (run {result.run_id})"
    if result.status not in ("finished", "degraded"):
        return f"{line}: {result.error}"
    known = archived - result.new_articles
    if known > 0:
        fetched = stats.get("newsarchive/spider/articles_requested", 0)
        fetched += stats.get("newsarchive/spider/rechecks_requested", 0)
        pages = "1 article page" if fetched == 1 else f"{fetched} article pages"
        line += f"; incremental: the {known} archived before were not fetched again unless due, {pages} asked"
    if stats.get(statkeys.ARTICLES_UPDATED):
        line += f"; {stats[statkeys.ARTICLES_UPDATED]} updated"
    return line


def _reading_room(args: argparse.Namespace, config: Config, crawl_exit: int) -> int:
    """The last line: where to read what was crawled; with ``--web`` (and a good crawl) serve it right away."""
    try:
        host, port = web.parse_listen(args.listen)
    except ValueError as error:
        print(f"newsarchive demo: {error}", file=sys.stderr)
        return exitcodes.USAGE
    if not args.web or crawl_exit != exitcodes.OK:
        print(f"Reading room: run `newsarchive web` and open {web.reading_room_url(host, port)}", flush=True)
        return crawl_exit
    return web.serve_reading_room(config, host, port)
