"""The cursor of a back-fill: which part of a source's history is walked already, kept so a killed one resumes.

A back-fill walks ``[since, until)`` in phases (see ``migrations/0007_backfill.sql``). The ``api`` phase moves
``cursor`` from ``until`` down to ``since`` one date window at a time; a window is done when a batch of it ended
under its article cap. ``lists`` (sitemaps and feeds over the whole range) is done the same way, then ``done``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

PHASES = ("api", "lists", "wayback", "done")

_COLUMNS = (
    "id, source, since, until, window_seconds, phase, cursor, batches, articles, started_at, finished_at, wayback"
)


@dataclass(frozen=True)
class Backfill:
    id: int
    source: str
    since: datetime
    until: datetime
    window_seconds: int
    phase: str
    cursor: datetime
    """In the ``api`` phase: everything published in ``[cursor, until)`` has been walked."""
    batches: int
    articles: int
    started_at: datetime
    finished_at: datetime | None
    wayback: str | None
    """The Wayback Machine whose captures the ``wayback`` phase imports (None: no such phase)."""

    @property
    def done(self) -> bool:
        return self.phase == "done"

    def next_window(self) -> tuple[datetime, datetime]:
        """The date range the next batch walks: the window below the cursor, or the whole range after the API."""
        if self.phase != "api":
            return self.since, self.until
        return max(self.since, self.cursor - timedelta(seconds=self.window_seconds)), self.cursor

    def windows_left(self) -> int:
        """API windows not walked yet, plus one for the lists phase (what a progress bar counts)."""
        if self.phase == "done":
            return 0
        extra = 1 if self.wayback else 0
        if self.phase != "api":
            return 1 if self.phase == "wayback" else 1 + extra
        span = (self.cursor - self.since).total_seconds()
        return -(-int(span) // self.window_seconds) + 1 + extra

    def windows_total(self) -> int:
        span = (self.until - self.since).total_seconds()
        return -(-int(span) // self.window_seconds) + 1 + (1 if self.wayback else 0)

    def phase_after(self, phase: str) -> str:
        following = PHASES[PHASES.index(phase) + 1]
        return "done" if following == "wayback" and not self.wayback else following


def latest_backfills(conn: psycopg.Connection) -> dict[str, Backfill]:
    """Per source, its unfinished back-fill, else its latest one (what ``status`` shows)."""
    rows = conn.execute(
        f"SELECT DISTINCT ON (source) {_COLUMNS} FROM backfills ORDER BY source, finished_at IS NULL DESC, id DESC"
    ).fetchall()
    return {row[1]: Backfill(*row) for row in rows}


class BackfillStore:
    """Start, resume and advance back-fills on one connection (autocommit: each step is durable at once)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def open(
        self, source: str, since: datetime, until: datetime | None, window: timedelta, wayback: str | None = None
    ) -> tuple[Backfill, bool]:
        """The unfinished back-fill of ``source`` from ``since`` (and to ``until`` if given), else a new one.

        Returns it and whether it was resumed. ``until`` defaults to now for a new one. A ``wayback`` given on
        resuming is added to the back-fill (its import phase comes after the others).
        """
        resumed = self._unfinished(source, since, until)
        if resumed is not None:
            if wayback and wayback != resumed.wayback:
                resumed = self._set_wayback(resumed, wayback)
            return resumed, True
        end = until or datetime.now(since.tzinfo)
        row = self.conn.execute(
            "INSERT INTO backfills (source, since, until, window_seconds, cursor, wayback)"
            f" VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
            (source, since, end, int(window.total_seconds()), end, wayback),
        ).fetchone()
        return Backfill(*row), False

    def _set_wayback(self, backfill: Backfill, wayback: str) -> Backfill:
        row = self.conn.execute(
            f"UPDATE backfills SET wayback = %s, updated_at = now() WHERE id = %s RETURNING {_COLUMNS}",
            (wayback, backfill.id),
        ).fetchone()
        return Backfill(*row)

    def advance(self, backfill: Backfill, *, window_done: bool, articles: int) -> Backfill:
        """Record one batch: its stored articles, and (when it walked its window to the end) the next cursor."""
        phase, cursor = backfill.phase, backfill.cursor
        if window_done:
            start, _ = backfill.next_window()
            if phase == "api" and start > backfill.since:
                cursor = start
            else:
                phase = backfill.phase_after(phase)
                cursor = backfill.since
        row = self.conn.execute(
            "UPDATE backfills SET phase = %s, cursor = %s, batches = batches + 1, articles = articles + %s,"
            " updated_at = now(), finished_at = CASE WHEN %s = 'done' THEN now() END"
            f" WHERE id = %s RETURNING {_COLUMNS}",
            (phase, cursor, articles, phase, backfill.id),
        ).fetchone()
        return Backfill(*row)

    def skip_phase(self, backfill: Backfill) -> Backfill:
        """Leave the current phase (the source has nothing it could walk in it)."""
        return self.advance_to(backfill, backfill.phase_after(backfill.phase))

    def advance_to(self, backfill: Backfill, phase: str) -> Backfill:
        row = self.conn.execute(
            "UPDATE backfills SET phase = %s, cursor = since, updated_at = now(),"
            " finished_at = CASE WHEN %s = 'done' THEN now() END"
            f" WHERE id = %s RETURNING {_COLUMNS}",
            (phase, phase, backfill.id),
        ).fetchone()
        return Backfill(*row)

    def _unfinished(self, source: str, since: datetime, until: datetime | None) -> Backfill | None:
        sql = f"SELECT {_COLUMNS} FROM backfills WHERE source = %s AND since = %s AND finished_at IS NULL"
        params: list[object] = [source, since]
        if until is not None:
            sql += " AND until = %s"
            params.append(until)
        row = self.conn.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
        return Backfill(*row) if row else None
