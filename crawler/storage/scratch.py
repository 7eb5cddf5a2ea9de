"""Throwaway databases: created, migrated, used, dropped (tests, fault drills, benchmarks)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import sql

from crawler.storage.database import connect, with_database
from crawler.storage.migrate import migrate


@contextmanager
def scratch_database(admin_url: str, prefix: str = "newsarchive_scratch") -> Iterator[str]:
    """A new migrated ``<prefix>_<random>`` database on the server of ``admin_url``; dropped (forced) afterwards."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(admin_url, name)
    try:
        migrate(url)
        yield url
    finally:
        with connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
