"""The articles export query: the contract's columns of the ``articles`` view, selected and streamed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

COLUMNS = (
    "url",
    "source",
    "title",
    "authors",
    "published_at",
    "date_precision",
    "modified_at",
    "section",
    "tags",
    "language",
    "summary",
    "body",
    "image_url",
    "first_seen_at",
    "last_seen_at",
    "version",
)
"""The contract's columns of the ``articles`` view, in its order."""


def select_articles(conn: psycopg.Connection, sources: list[str], since: datetime | None) -> Iterator[dict[str, Any]]:
    """Rows of ``COLUMNS`` from ``sources`` (all if empty), published (else first seen) at or after ``since``.

    Oldest first, as dicts, streamed from a server-side cursor inside a transaction.
    """
    where = [sql.SQL("TRUE")]
    params: list[Any] = []
    if sources:
        where.append(sql.SQL("source = ANY(%s)"))
        params.append(sources)
    if since is not None:
        where.append(sql.SQL("coalesce(published_at, first_seen_at) >= %s"))
        params.append(since)
    query = sql.SQL("SELECT {} FROM articles WHERE {} ORDER BY coalesce(published_at, first_seen_at), url").format(
        sql.SQL(", ").join(map(sql.Identifier, COLUMNS)), sql.SQL(" AND ").join(where)
    )
    # A named (server-side) cursor streams the rows: an archive may not fit in memory.
    with conn.transaction(), conn.cursor("newsarchive_export", row_factory=dict_row) as cursor:
        cursor.itersize = 500
        cursor.execute(query, params)
        yield from cursor
