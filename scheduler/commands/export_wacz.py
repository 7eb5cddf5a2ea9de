"""``newsarchive export-wacz``: a WACZ package (py-wacz) of a source's or a time range's WARC files and articles."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.errors import ArchiveError
from crawler.storage.database import connect, database_url
from crawler.warc.objectstore import StoreSettings, fetch_object, is_store_uri, put_object
from scheduler import exitcodes
from scheduler.commands.argtypes import instant
from scheduler.context import load_app_config

if TYPE_CHECKING:
    from crawler.replay.wacz import Selection

log = logging.getLogger(__name__)

INSTALL_HINT = 'packaging needs py-wacz, the extra `wacz`: `pip install "newsarchive[wacz]"`'


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export-wacz",
        help="package WARC files and their articles as a WACZ",
        description="Write a WACZ (web archive collection zipped) of the WARC files holding captures of a source "
        "and/or a time range, with the archived articles as its pages list. Whole files are packaged, plus the "
        "files holding the originals of their revisit records.",
    )
    parser.add_argument("--source", help="only this source's captures")
    parser.add_argument("--since", type=instant, help="captures at or after this ISO 8601 time (UTC if no zone)")
    parser.add_argument("--until", type=instant, help="captures before this ISO 8601 time")
    parser.add_argument(
        "--output",
        help="the .wacz file, or an s3://bucket/key.wacz object (default: newsarchive-<source|all>-<now>.wacz)",
    )
    parser.add_argument("--title", help="the package's title")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crawler.replay.wacz import Selection, create, py_wacz_installed, select_files, write_pages

    if not py_wacz_installed():
        print(f"newsarchive export-wacz: {INSTALL_HINT}", file=sys.stderr)
        return exitcodes.UNAVAILABLE
    config = load_app_config(args)
    selection = Selection(args.source, args.since, args.until)
    target = args.output or f"newsarchive-{args.source or 'all'}-{datetime.now(UTC):%Y%m%d%H%M%S}.wacz"
    if not target.endswith(".wacz"):
        print("newsarchive export-wacz: --output must end in .wacz", file=sys.stderr)
        return exitcodes.USAGE
    settings = StoreSettings(config.archive.endpoint_url, config.archive.region)
    with connect(database_url(config)) as conn, tempfile.TemporaryDirectory(prefix="newsarchive-wacz-") as work:
        output = Path(work) / Path(target).name if is_store_uri(target) else Path(target)
        fetched = Path(work) / "warcs"
        fetched.mkdir()

        def fetch(uri: str) -> Path:
            return fetch_object(uri, fetched / uri.rsplit("/", 1)[-1], settings)

        try:
            files = select_files(conn, selection, [config.archive.dir], fetch)
        except ArchiveError as error:
            print(f"newsarchive export-wacz: {error}", file=sys.stderr)
            return exitcodes.FAILED
        if not files:
            print("newsarchive export-wacz: no captures match", file=sys.stderr)
            return exitcodes.FAILED
        pages_file = Path(work) / "pages.jsonl"
        pages = write_pages(conn, selection, files, pages_file)
        try:
            create(files, pages_file, output, title=args.title or _title(selection))
            if is_store_uri(target):
                put_object(output, target, settings)
        except ArchiveError as error:
            print(f"newsarchive export-wacz: {error}", file=sys.stderr)
            return exitcodes.FAILED
    print(f"wrote {target}: {len(files)} WARC file(s), {pages} article page(s)")
    return exitcodes.OK


def _title(selection: Selection) -> str:
    parts = [selection.source or "all sources"]
    if selection.since:
        parts.append(f"from {selection.since.isoformat()}")
    if selection.until:
        parts.append(f"until {selection.until.isoformat()}")
    return "newsarchive: " + ", ".join(parts)
