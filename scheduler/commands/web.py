"""``newsarchive web``: the reading room — browse, search and diff the archive, the archived page one click away.

The app is read only and binds to loopback unless ``--listen`` says otherwise. ``/archive/`` is pywb, run here on a
private loopback port and proxied (or an existing ``newsarchive serve`` given by ``--archive-url``), so one port
serves both. The reading room listens only once pywb answers (at most ``ARCHIVE_START_TIMEOUT``), so an archive link
followed at once does not meet a pywb still starting; its own log goes to ``<data_dir>/pywb/pywb.log``.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from scheduler import exitcodes
from scheduler.address import parse_host_port
from scheduler.context import load_app_config

log = logging.getLogger(__name__)

INSTALL_HINT = 'the reading room needs its extra: `pip install "newsarchive[web]"`'
DEFAULT_LISTEN = "127.0.0.1:8080"
REFRESH_INTERVAL = 30.0
ARCHIVE_START_TIMEOUT = 60.0
"""pywb takes a few seconds to import and load its indexes; past this the room opens anyway (``/archive/`` 503s)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "web",
        help="the reading room: browse, search and diff archived articles",
        description="A read-only web app over the archive: sources, articles, versions and their diffs, full-text "
        "search, changes (also as Atom) and runs; every page also as JSON under /api/. /archive/ serves the "
        "archived pages with pywb.",
    )
    parser.add_argument(
        "--listen", default=DEFAULT_LISTEN, metavar="HOST:PORT", help=f"address (default {DEFAULT_LISTEN})"
    )
    parser.add_argument(
        "--archive-url", help="a running `newsarchive serve` to proxy /archive/ to (default: start pywb)"
    )
    parser.add_argument("--no-archive", action="store_true", help="do not serve /archive/ at all")
    parser.add_argument("--page-size", type=int, default=25, help="rows per page of every list (default 25)")
    parser.set_defaults(func=run)


def parse_listen(value: str) -> tuple[str, int]:
    """``--listen`` (:func:`~scheduler.address.parse_host_port`) as a pair; ValueError when malformed."""
    try:
        return parse_host_port(value)
    except ValueError as error:
        raise ValueError(f"--listen: {error}") from error


def reading_room_url(host: str, port: int) -> str:
    """The address to open in a browser (``0.0.0.0`` and ``::`` shown as loopback, which they include)."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/"


def run(args: argparse.Namespace) -> int:
    if any(importlib.util.find_spec(name) is None for name in ("starlette", "uvicorn", "psycopg_pool")):
        print(f"newsarchive web: {INSTALL_HINT}", file=sys.stderr)
        return exitcodes.UNAVAILABLE
    import uvicorn

    from crawler.storage.database import database_url
    from crawler.storage.migrate import migrate
    from scheduler.web import create_app

    try:
        host, port = parse_listen(args.listen)
    except ValueError as error:
        print(f"newsarchive web: {error}", file=sys.stderr)
        return exitcodes.USAGE
    config = load_app_config(args)
    url = database_url(config)
    migrate(url)  # the search index (0004) must exist; the app itself only ever reads
    archive_url, pywb = args.archive_url, None
    if archive_url is None and not args.no_archive:
        archive_url, pywb = _start_archive(config.archive.dir.resolve(), (config.data_dir / "pywb").resolve())
    app = create_app(url, archive_url=archive_url, page_size=args.page_size, archive_dir=config.archive.dir.resolve())
    print(f"Reading room at {reading_room_url(host, port)}", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        if pywb is not None:
            pywb.terminate()
            pywb.wait(10)
    return exitcodes.OK


def _start_archive(archive: Path, work_dir: Path) -> tuple[str | None, subprocess.Popen | None]:
    """pywb over ``archive`` on a free loopback port, its indexes refreshed in the background; (URL, process)."""
    if importlib.util.find_spec("pywb") is None or not archive.is_dir():
        log.warning("no /archive/: pywb is not installed or %s does not exist", archive)
        return None, None
    from crawler.replay.browse import prepare, sync_indexes
    from scheduler.commands.serve import _start_pywb

    prepare(archive, work_dir)
    port = _free_port()
    with (work_dir / "pywb.log").open("ab") as pywb_log:  # its per-request lines are not the reading room's log
        process = _start_pywb("127.0.0.1", port, work_dir, stderr=pywb_log)
    url = f"http://127.0.0.1:{port}"
    _wait_for_archive(url, process)

    def refresh() -> None:
        while process.poll() is None:
            threading.Event().wait(REFRESH_INTERVAL)
            try:
                sync_indexes(archive, work_dir)
            except OSError as error:
                log.warning("could not refresh the archive's indexes: %s", error)

    threading.Thread(target=refresh, name="pywb-refresh", daemon=True).start()
    return url, process


def _wait_for_archive(url: str, process: subprocess.Popen) -> None:
    """Until pywb answers its home page (or exits, or ``ARCHIVE_START_TIMEOUT`` passes: then a warning)."""
    import httpx

    deadline = time.monotonic() + ARCHIVE_START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(url + "/", timeout=2.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    log.warning(
        "pywb did not answer within %.0fs (see its log); /archive/ answers 503 until it does", ARCHIVE_START_TIMEOUT
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
