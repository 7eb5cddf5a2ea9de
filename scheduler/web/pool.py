"""The reading room's connections: a small pool whose sessions can only read."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from crawler.storage.reading import ConnectionReader


class Database:
    """A small pool whose sessions are read only: the reading room can never write to the archive.

    It is the ``crawler.storage.reading.Reader`` the page queries run on.
    """

    def __init__(self, url: str, *, max_size: int = 4) -> None:
        self.pool = ConnectionPool(
            url,
            min_size=0,
            max_size=max_size,
            kwargs={"options": "-c default_transaction_read_only=on -c statement_timeout=10000"},
            configure=_read_only,
            open=False,
        )

    def open(self) -> None:
        self.pool.open()

    def close(self) -> None:
        self.pool.close()

    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of one statement, run in its own read-only transaction."""
        with self.pool.connection() as conn:
            return ConnectionReader(conn).fetch(sql, params)


def _read_only(conn: psycopg.Connection) -> None:
    conn.read_only = True
    conn.autocommit = False
