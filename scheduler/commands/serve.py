"""``newsarchive serve``: browse the archive with pywb (``http://HOST:PORT/archive/<timestamp>/<url>``)."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
from pathlib import Path

from crawler.replay.pywbserver import REFRESH_INTERVAL
from crawler.run.shipping import object_store
from scheduler import exitcodes
from scheduler.context import load_app_config
from scheduler.stopsignals import stop_on_signals

log = logging.getLogger(__name__)

INSTALL_HINT = 'pywb is not installed: `pip install "newsarchive[replay]"` (or `pip install pywb`)'
POLL_INTERVAL = 0.5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="browse the archive with pywb",
        description="Run pywb over the archive's WARC files and CDXJ indexes (no database needed). Open "
        "http://HOST:PORT/archive/<timestamp>/<url>, or http://HOST:PORT/archive/*/<url> for every capture.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--archive", type=Path, help="archive folder (default: [archive] dir of the config)")
    parser.add_argument("--work-dir", type=Path, help="pywb's working folder (default: <data_dir>/pywb)")
    parser.add_argument(
        "--refresh",
        type=float,
        default=REFRESH_INTERVAL,
        metavar="SECONDS",
        help=f"how often to look for WARC files closed since the start (default {REFRESH_INTERVAL:.0f})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("pywb") is None:
        print(f"newsarchive serve: {INSTALL_HINT}", file=sys.stderr)
        return exitcodes.UNAVAILABLE
    from crawler.replay.browse import COLLECTION
    from crawler.replay.pywbserver import PywbServer

    config = load_app_config(args)
    archive = (args.archive or config.archive.dir).resolve()
    store = None if args.archive else object_store(config.archive)
    if store is not None:
        store.check()  # refused or away: one line and exit 69 (cli.main), before pywb starts
        archive.mkdir(parents=True, exist_ok=True)  # the spool: files not yet uploaded are served from it
    if not archive.is_dir():
        print(f"newsarchive serve: no archive folder at {archive}", file=sys.stderr)
        return exitcodes.FAILED
    work_dir = (args.work_dir or config.data_dir / "pywb").resolve()
    server = PywbServer(archive, work_dir, host=args.host, port=args.port, store=store, refresh=args.refresh)
    stop = stop_on_signals()
    try:
        collection = server.start()
        print(
            f"Serving {collection.warc_files} WARC file(s) from {store.location if store else archive} at "
            f"{server.url}/{COLLECTION}/<timestamp>/<url>",
            flush=True,
        )
        while server.returncode is None and not stop.wait(POLL_INTERVAL):
            pass
        exited = server.returncode
    finally:
        server.stop()
    if exited is not None:
        log.error("pywb exited with status %s", exited)
        return exitcodes.FAILED
    return exitcodes.OK
