"""The ``absent_urls`` table: each source's remembered absences, read before a run and updated after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

_COLUMNS = "url, kind, status, misses, first_missed_at, last_tried_at, next_try_at"


@dataclass(frozen=True)
class Absence:
    """A URL the publisher answered "not here" on its last ``misses`` tries (the schedule: crawler.spiders.absences)."""

    url: str
    """The URL in the spider's compared form (the API: its posts endpoint, whatever the query)."""
    kind: str
    status: int
    """Its last answer: 404, 410, another optional-endpoint status, or 200 for a page that is not what was asked."""
    misses: int
    first_missed_at: datetime
    last_tried_at: datetime
    next_try_at: datetime
    """Runs before this instant do not ask for it."""


@dataclass(frozen=True)
class AbsenceChanges:
    """What a run learnt: absences to store (new, or one more miss) and remembered URLs that answered again."""

    missed: list[Absence]
    found: list[str]

    def __bool__(self) -> bool:
        return bool(self.missed or self.found)


def load_absences(conn: psycopg.Connection, source: str) -> list[Absence]:
    """Every absence remembered for ``source`` (a few per site: its missing pages and endpoints)."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM absent_urls WHERE source = %s", [source]).fetchall()
    return [Absence(*row) for row in rows]


def save_absences(conn: psycopg.Connection, source: str, changes: AbsenceChanges) -> None:
    """One more miss for each URL missed, and the URLs that answered again forgotten, in one transaction."""
    if not changes:
        return
    rows = [
        (source, a.url, a.kind, a.status, a.misses, a.first_missed_at, a.last_tried_at, a.next_try_at)
        for a in changes.missed
    ]
    with conn.transaction(), conn.cursor() as cursor:
        if rows:
            cursor.executemany(
                "INSERT INTO absent_urls (source, url, kind, status, misses, first_missed_at, last_tried_at,"
                " next_try_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (source, url) DO UPDATE SET"
                " kind = EXCLUDED.kind, status = EXCLUDED.status, misses = EXCLUDED.misses,"
                " last_tried_at = EXCLUDED.last_tried_at, next_try_at = EXCLUDED.next_try_at",
                rows,
            )
        if changes.found:
            cursor.execute("DELETE FROM absent_urls WHERE source = %s AND url = ANY(%s)", [source, changes.found])


def absences_by_source(conn: psycopg.Connection) -> dict[str, list[dict[str, Any]]]:
    """What ``status --json`` shows: per source, its remembered absences, the soonest probe first."""
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            f"SELECT source, {_COLUMNS} FROM absent_urls ORDER BY source, next_try_at, url"
        ).fetchall()
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row.pop("source"), []).append(row)
    return found
