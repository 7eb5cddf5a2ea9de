"""Remembered absences: discovered URLs that keep answering "not here" are asked on a decaying schedule.

A listing page the home page links (``/page/2/``), a sitemap robots.txt names, a feed page, or the WordPress API of
a site that has none: when such a URL answered 404/410 (or, for an optional endpoint, what the publisher says for
"no such thing") on its last tries, a run does not ask for it again until its next probe is due: 1 h after the
second miss, then 6 h, a day, three days, a week, and every week from then on (a site may add the page or the API
later, so a probe is never given up). Configured URLs are never skipped: when one of them is missing the operator
must hear of it on every run. The database keeps the memory (``crawler.storage.absences``); the spider asks this
policy and tells it what each such URL answered.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from crawler.storage.absences import Absence, AbsenceChanges

MISSES_BEFORE_WAITING = 2
"""Consecutive misses before a URL waits: a single 404 may be a publisher's passing fault (a deploy, a cache)."""
RETRY_AFTER = (timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=3), timedelta(days=7))
"""The wait after the second, third, … consecutive miss; the last one repeats."""


def next_try_at(misses: int, tried_at: datetime) -> datetime:
    """When a run asks again for a URL missed ``misses`` times in a row, last at ``tried_at``."""
    if misses < MISSES_BEFORE_WAITING:
        return tried_at
    return tried_at + RETRY_AFTER[min(misses - MISSES_BEFORE_WAITING, len(RETRY_AFTER) - 1)]


class AbsencePolicy:
    """Which discovered URLs a run asks for, and what their answers teach the next run."""

    def __init__(self, remembered: Iterable[Absence] = (), now: datetime | None = None) -> None:
        self.remembered = {absence.url: absence for absence in remembered}
        self.now = now or datetime.now(UTC)
        self._asked: dict[str, str] = {}
        self._missed: dict[str, int] = {}
        self._found: set[str] = set()

    def due(self, url: str, kind: str) -> bool:
        """Whether to ask for ``url`` in this run (noted: its answer is then expected through :meth:`answered`)."""
        absence = self.remembered.get(url)
        if absence is not None and absence.next_try_at > self.now:
            return False
        self._asked[url] = kind
        return True

    def answered(self, url: str, status: int, *, absent: bool) -> None:
        """``url`` answered ``status``; ``absent``: a "not here" answer. A 5xx or 429 tells nothing either way."""
        if absent:
            self.missed(url, status)
        elif 200 <= status < 400 and url not in self._missed:
            self._found.add(url)

    def missed(self, url: str, status: int) -> None:
        """``url`` is not there (also for a 200 whose body is not what was asked: a theme's page for the API)."""
        self._missed[url] = status
        self._found.discard(url)

    def changes(self) -> AbsenceChanges:
        missed = [self._one_more_miss(url, status) for url, status in self._missed.items()]
        return AbsenceChanges(missed, sorted(url for url in self._found if url in self.remembered))

    def _one_more_miss(self, url: str, status: int) -> Absence:
        before = self.remembered.get(url)
        kind = self._asked.get(url) or (before.kind if before else "unknown")
        misses = before.misses + 1 if before else 1
        first = before.first_missed_at if before else self.now
        return Absence(url, kind, status, misses, first, self.now, next_try_at(misses, self.now))
