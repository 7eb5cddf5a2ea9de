"""The news spider's incremental policy: which listed articles and listings a normal run fetches again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import formatdate

from crawler.discovery.entries import Discovered
from crawler.storage.recheck import Recheck

CONDITIONAL_KINDS = frozenset({"feed", "sitemap"})
"""Page kinds asked "modified since the last run?": listings, whose 304 means they list nothing new."""


class IncrementalPolicy:
    """What is due in a run, judged from the articles already archived and when the last successful run started.

    ``known`` maps compared-form URLs (the spider's ``_key``) to when each was last captured.
    """

    since_margin = timedelta(days=2)
    """How far behind the last run "changed since" reaches (back-dated posts, clocks, late sitemap updates)."""

    def __init__(self, known: Mapping[str, datetime], since: datetime | None, revisit_window: int) -> None:
        self.known = dict(known)
        self.since = since
        self.revisit_window = revisit_window

    def is_known(self, key: str) -> bool:
        return key in self.known

    def due(self, key: str, entry: Discovered) -> bool:
        """Unknown, changed since its last capture, or young enough to be rechecked for corrections."""
        captured = self.known.get(key)
        if captured is None:
            return True
        latest = entry.latest
        if latest is not None and latest > captured:
            return True
        window = self.revisit_window
        return bool(window and entry.published and datetime.now(UTC) - entry.published < timedelta(seconds=window))

    def changed_since(self) -> datetime | None:
        """The cutoff for listings that can filter by date (API ``after``, sitemap index lastmod); None: everything."""
        if self.since is None:
            return None
        return self.since - max(self.since_margin, timedelta(seconds=self.revisit_window))

    def unchanged(self, entry: Discovered) -> bool:
        """A sub-sitemap whose lastmod is before the cutoff: it lists nothing changed since the last run."""
        cutoff = self.changed_since()
        return cutoff is not None and entry.latest is not None and entry.latest < cutoff

    def conditional_headers(self, kind: str) -> dict[str, str]:
        """``If-Modified-Since`` for a listing of ``kind``, when there is a cutoff; else no headers."""
        cutoff = self.changed_since()
        if kind not in CONDITIONAL_KINDS or cutoff is None:
            return {}
        # No validators are kept between runs, but "changed since the last run" needs none: a 304 means the
        # listing holds nothing new (the cutoff reaches back past the revisit window, so no young article hides).
        return {"If-Modified-Since": formatdate(cutoff.timestamp(), usegmt=True)}


def recheck_headers(due: Recheck) -> dict[str, str]:
    """The validators a re-check of a stored article asks "changed since?" with (none: a plain fetch)."""
    headers = {}
    if due.etag:
        headers["If-None-Match"] = due.etag
    if due.last_modified:
        headers["If-Modified-Since"] = due.last_modified
    return headers
