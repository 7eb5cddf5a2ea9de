"""The decaying re-check schedule of each article, and the validators a re-check sends.

An article is fetched again at ``base + recheck[0]``, ``base + recheck[1]``, … (15 min, 1 h, 3 h, 12 h, 3 d, 30 d
by default), where ``base`` is its first sighting. A substantive edit seen on any fetch starts the schedule again
from that sighting: an article that changed once often changes again. Any other fetch (unchanged, a trivial edit,
a 304) moves it to the first step still ahead. The database picks due articles by ``next_check_at`` (indexed), so
a run asks for what is due instead of walking every article.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

DEFAULT_LIMIT = 1000
"""Re-checks per run at most (the soonest due first): a run after a long pause must not become a back-fill."""

_DUE = (
    "SELECT url, etag, last_modified FROM article_records"
    " WHERE source = %s AND next_check_at IS NOT NULL AND next_check_at <= %s ORDER BY next_check_at LIMIT %s"
)


@dataclass(frozen=True)
class Recheck:
    """A due article with the validators of its last 200 (sent as If-None-Match / If-Modified-Since)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Schedule:
    base: datetime | None
    step: int | None

    def restart(self, at: datetime) -> None:
        """A first sighting or a substantive edit: the schedule begins again from ``at``."""
        self.base, self.step = at, 0

    def checked(self, at: datetime, steps: Sequence[float], first_seen: datetime) -> None:
        """Fetched at ``at`` and found unchanged (or trivially changed): on to the first due time after ``at``."""
        if self.base is None:
            self.base = first_seen  # an article stored before schedules existed
        if at < self.base:
            return  # an older capture replayed late: the schedule has moved past it
        offsets = [timedelta(seconds=step) for step in steps]
        self.step = max(self.step or 0, bisect.bisect_right(offsets, at - self.base))

    def next_check_at(self, steps: Sequence[float]) -> datetime | None:
        if self.base is None or self.step is None or self.step >= len(steps):
            return None
        return self.base + timedelta(seconds=steps[self.step])


def due_rechecks(conn: psycopg.Connection, source: str, now: datetime, limit: int = DEFAULT_LIMIT) -> list[Recheck]:
    """``source``'s articles due for a re-check at ``now``, soonest first."""
    return [Recheck(*row) for row in conn.execute(_DUE, [source, now, limit])]
