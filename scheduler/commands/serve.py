"""``newsarchive serve``: browse the archive with pywb (``http://HOST:PORT/archive/<timestamp>/<url>``)."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from crawler.errors import ArchiveError
from crawler.process import die_with_parent
from crawler.run.shipping import object_store
from scheduler import exitcodes
from scheduler.context import load_app_config
from scheduler.stopsignals import stop_on_signals

log = logging.getLogger(__name__)

INSTALL_HINT = 'pywb is not installed: `pip install "newsarchive[replay]"` (or `pip install pywb`)'
REFRESH_INTERVAL = 30.0
"""Seconds between looks for WARC files closed since the start (pywb re-reads the index folder when it changes)."""
STOP_TIMEOUT = 10.0
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
    from crawler.replay.browse import COLLECTION, prepare, sync_indexes

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
    collection = prepare(archive, work_dir, store)
    stop = stop_on_signals()
    process = _start_pywb(args.host, args.port, work_dir, store.settings.client_env() if store else {})
    print(
        f"Serving {collection.warc_files} WARC file(s) from {store.location if store else archive} at "
        f"http://{_url_host(args.host)}:{args.port}/{COLLECTION}/<timestamp>/<url>",
        flush=True,
    )
    next_refresh = time.monotonic() + args.refresh
    while process.poll() is None and not stop.wait(POLL_INTERVAL):
        if time.monotonic() >= next_refresh:
            next_refresh = time.monotonic() + args.refresh
            try:
                sync_indexes(archive, work_dir, store)
            except (OSError, ArchiveError) as error:  # a file vanishing mid-scan: try again next time
                log.warning("could not refresh the archive's indexes: %s", error)
    return _stop(process)


def _start_pywb(
    host: str, port: int, work_dir: Path, store_env: dict[str, str] | None = None, *, stderr: IO[bytes] | None = None
) -> subprocess.Popen:
    """pywb serving ``work_dir``'s collection; its log on ``stderr`` (default: ours)."""
    # A subprocess rather than pywb in this process: pywb monkey-patches the whole interpreter for gevent on import.
    command = [sys.executable, "-m", "pywb.apps.cli", "--bind", host, "--port", str(port), "--directory", str(work_dir)]
    return subprocess.Popen(
        command,
        cwd=work_dir,
        env={**os.environ, **(store_env or {})},  # pywb reads s3:// WARCs with boto3, which reads AWS_* from here
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,  # pywb prints a line per index look-up on stdout; its log goes to stderr
        stderr=stderr,
        preexec_fn=die_with_parent(),  # the child never outlives us
    )


def _stop(process: subprocess.Popen) -> int:
    if process.poll() is not None:
        log.error("pywb exited with status %s", process.returncode)
        return exitcodes.FAILED
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return exitcodes.OK


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
