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
import sys
from pathlib import Path

from crawler.config import Config
from crawler.replay.pywbserver import PywbServer
from scheduler import exitcodes
from scheduler.address import parse_host_port
from scheduler.context import load_app_config

log = logging.getLogger(__name__)

INSTALL_HINT = 'the reading room needs its extra: `pip install "newsarchive[web]"`'
DEFAULT_LISTEN = "127.0.0.1:8080"
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
    try:
        host, port = parse_listen(args.listen)
    except ValueError as error:
        print(f"newsarchive web: {error}", file=sys.stderr)
        return exitcodes.USAGE
    config = load_app_config(args)
    return serve_reading_room(
        config, host, port, archive_url=args.archive_url, no_archive=args.no_archive, page_size=args.page_size
    )


def serve_reading_room(
    config: Config,
    host: str,
    port: int,
    *,
    archive_url: str | None = None,
    no_archive: bool = False,
    page_size: int = 25,
) -> int:
    """Serve the reading room over ``config``'s database and archive until interrupted (pywb beside it, unless
    ``archive_url`` names one or ``no_archive``)."""
    if any(importlib.util.find_spec(name) is None for name in ("starlette", "uvicorn", "psycopg_pool")):
        print(f"newsarchive web: {INSTALL_HINT}", file=sys.stderr)
        return exitcodes.UNAVAILABLE
    import uvicorn

    from crawler.storage.database import database_url
    from crawler.storage.migrate import migrate
    from scheduler.web import create_app

    url = database_url(config)
    migrate(url)  # the search index (0004) must exist; the app itself only ever reads
    pywb = None
    if archive_url is None and not no_archive:
        pywb = _start_archive(config.archive.dir.resolve(), (config.data_dir / "pywb").resolve())
        archive_url = pywb.url if pywb else None
    app = create_app(url, archive_url=archive_url, page_size=page_size, archive_dir=config.archive.dir.resolve())
    print(f"Reading room at {reading_room_url(host, port)}", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        if pywb is not None:
            pywb.stop()
    return exitcodes.OK


def _start_archive(archive: Path, work_dir: Path) -> PywbServer | None:
    """pywb over ``archive`` on a free loopback port, its indexes refreshed in the background (None: no pywb)."""
    if importlib.util.find_spec("pywb") is None or not archive.is_dir():
        log.warning("no /archive/: pywb is not installed or %s does not exist", archive)
        return None
    # Its per-request lines are not the reading room's log.
    server = PywbServer(archive, work_dir, host="127.0.0.1", port=_free_port(), log_file=work_dir / "pywb.log")
    server.start()
    if not server.wait_until_answering(ARCHIVE_START_TIMEOUT):
        log.warning(
            "pywb did not answer within %.0fs (see its log); /archive/ answers 503 until it does",
            ARCHIVE_START_TIMEOUT,
        )
    return server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
