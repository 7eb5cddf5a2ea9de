"""``newsarchive replay PATH...``: WARC files or folders into the database, as the live crawls stored them."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from crawler.errors import ConfigError
from crawler.settings import NEWSARCHIVE_EXTRACT_TIMEOUT
from crawler.storage.database import connect, database_url
from crawler.storage.migrate import migrate_connection
from crawler.storage.runs import RunAlreadyRunning
from crawler.warc.objectstore import is_store_uri
from scheduler import exitcodes
from scheduler.context import load_app_config
from scheduler.stopsignals import stop_on_signals

if TYPE_CHECKING:
    from crawler.config import Config
    from crawler.replay import FoundFiles, ReplayResult
    from crawler.replay.replayer import ProgressCallback

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="rebuild the database from WARC files (idempotent, resumable)",
        description="Extract and store every archived article of the WARC files (folders: recursively) exactly as "
        "the live crawl did, and index every record in the captures table. Files finished by an earlier replay "
        "into the same database are skipped.",
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="a .warc.gz file, a folder, or s3://bucket/prefix (or one object)"
    )
    parser.add_argument("--mode", choices=["default", "fast"], default="default", help="extraction mode")
    parser.add_argument("--processes", type=int, default=2, help="extraction processes (default 2; 1: in-process)")
    parser.add_argument(
        "--no-resume", dest="resume", action="store_false", help="also replay files an earlier replay finished"
    )
    parser.add_argument("--batch-size", type=int, default=200, help="articles per database transaction")
    parser.add_argument(
        "--extract-timeout",
        type=float,
        default=NEWSARCHIVE_EXTRACT_TIMEOUT,
        metavar="SECONDS",
        help="seconds one article may take to extract before it is given up (default %(default)g, as in a crawl; "
        "0: no limit)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: every other command starts without the replay machinery (WARC reading, Scrapy).
    from crawler.replay import find_warc_files

    config = load_app_config(args)
    with _fetched_from_stores(config, args.paths) as paths:
        return _replay(args, config, find_warc_files(paths))


def _replay(args: argparse.Namespace, config: Config, found: FoundFiles) -> int:
    from crawler.replay import ReplayOptions, replay_files

    for path in found.missing:
        print(f"newsarchive replay: no such file or folder: {path}", file=sys.stderr)
    for path in found.open_files:
        log.warning("skipping %s: still being written, or left by a crash (`newsarchive archive recover`)", path)
    if not found.files:
        print("newsarchive replay: no WARC files found", file=sys.stderr)
        return exitcodes.FAILED
    options = ReplayOptions(
        mode=args.mode,
        processes=max(1, args.processes),
        resume=args.resume,
        batch_size=max(1, args.batch_size),
        sources=config.sources,
        search_dirs=[config.archive.dir, *{path.parent for path in found.files}],
        extraction_timeout=max(0.0, args.extract_timeout),
        max_page_size=config.crawl.max_page_size,
    )
    stop = stop_on_signals()
    with connect(database_url(config), autocommit=True) as conn:
        migrate_connection(conn)
        total = sum(path.stat().st_size for path in found.files)
        with _progress(total) as advance:
            try:
                result = replay_files(conn, found.files, options, on_progress=advance, stop=stop)
            except RunAlreadyRunning:
                print("newsarchive replay: another replay into this database is running", file=sys.stderr)
                return exitcodes.LOCKED
            except psycopg.OperationalError as error:
                # Files finished before the outage are recorded: the next replay resumes after them.
                print(f"newsarchive replay: database unavailable: {error}".rstrip(), file=sys.stderr)
                return exitcodes.UNAVAILABLE
    _summary(result)
    return _exit_code(result)


def _exit_code(result: ReplayResult) -> int:
    if result.status == "degraded":
        print(
            f"warning: {result.stats.bad_records} record(s) could not be replayed (see the log)",
            file=sys.stderr,
        )
    return exitcodes.OK if result.status in ("finished", "degraded") else exitcodes.FAILED


def _summary(result: ReplayResult) -> None:
    stats = result.stats
    print(
        f"replay {result.status}: {stats.files} file(s) read, {stats.files_skipped} already replayed; "
        f"{stats.records} records ({stats.captures_new} newly indexed), {stats.bad_records} bad; articles: "
        f"{stats.articles_new} new, {stats.articles_updated} updated, {stats.articles_unchanged} unchanged, "
        f"{stats.not_article} not articles, {stats.revisits} revisits ({stats.revisits_unresolved} unresolved); "
        f"{stats.front_pages} front-page captures newly stored"
    )


@contextmanager
def _fetched_from_stores(config: Config, given: list[str]) -> Iterator[list[Path]]:
    """The paths to replay: local ones as given, each ``s3://`` one fetched into a cache deleted afterwards."""
    uris = [item for item in given if is_store_uri(item)]
    if not uris:
        yield [Path(item) for item in given]
        return
    from crawler.replay.fromstore import fetch_warcs
    from crawler.warc.objectstore import ObjectStore, StoreSettings, parse_store_uri

    settings = StoreSettings(config.archive.endpoint_url, config.archive.region)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="replay-cache-", dir=config.data_dir) as cache:
        paths = [Path(item) for item in given if not is_store_uri(item)]
        for number, uri in enumerate(uris):
            started = time.monotonic()
            try:
                location = parse_store_uri(uri)
            except ValueError as error:
                raise ConfigError(str(error)) from None
            fetched = fetch_warcs(ObjectStore(location, settings), Path(cache) / str(number))
            seconds = time.monotonic() - started
            log.info("%s: %d WARC file(s), %d bytes fetched in %.1fs", uri, len(fetched.files), fetched.bytes, seconds)
            paths.append(Path(cache) / str(number))
        yield paths


@contextmanager
def _progress(total_bytes: int) -> Iterator[ProgressCallback]:
    """A rich progress bar (bytes, records/s) on a terminal; nothing otherwise (the log says which file)."""
    if not sys.stderr.isatty():
        yield lambda records, nbytes: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("replay"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[records]} records, {task.fields[rate]:.0f}/s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task("replay", total=total_bytes, records=0, rate=0.0)
        counted = {"records": 0}

        def advance(records: int, nbytes: int) -> None:
            counted["records"] += records
            elapsed = progress.tasks[task].elapsed or 0.0
            rate = counted["records"] / elapsed if elapsed > 0 else 0.0
            progress.update(task, advance=nbytes, records=counted["records"], rate=rate)

        yield advance
