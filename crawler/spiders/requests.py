"""How the spider's requests are made: page kind and source in their meta, conditional headers, absence memory."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler import statkeys
from crawler.discovery.links import url_key
from crawler.spiders.absences import AbsencePolicy
from crawler.spiders.incremental import IncrementalPolicy

DISCOVERY_PRIORITY = 10
"""Listings before articles, so every listing's dates are seen before the frontier fills with articles."""
OPTIONAL_MISSING = (404, 410)

Callback = Callable[[Response], Any]


class RequestMaker:
    """Requests of one source's run; ``entry_points`` are the URLs the source names (a failure there degrades the
    run), ``errback`` the spider's, ``inc`` counts in the crawl's stats."""

    def __init__(
        self,
        source: str,
        entry_points: Iterable[str],
        incremental: IncrementalPolicy,
        absences: AbsencePolicy,
        errback: Callable[[Failure], Any],
        inc: Callable[[str], None],
    ) -> None:
        self.source = source
        self.entry_points = {url_key(url) for url in entry_points}
        self.incremental = incremental
        self.absences = absences
        self.errback = errback
        self._inc = inc

    def request(
        self,
        url: str,
        kind: str,
        callback: Callback,
        *,
        optional: tuple[int, ...] = (),
        priority: int = DISCOVERY_PRIORITY,
        **meta: Any,
    ) -> Request:
        """A request for a page of ``kind`` (``optional``: statuses that mean "not on the site", not a failure)."""
        meta = {"page_kind": kind, "source": self.source, **meta}
        if optional:
            meta["optional_statuses"] = optional
        if kind == "robots" or (kind != "article" and url_key(url) in self.entry_points):
            meta["entry_point"] = True  # the source's own pages: a failure degrades the run whatever the share
        headers = self.incremental.conditional_headers(kind)
        if headers:
            meta["handle_httpstatus_list"] = [*meta.get("handle_httpstatus_list", ()), 304]
        return Request(url, callback=callback, errback=self.errback, meta=meta, priority=priority, headers=headers)

    def discovered(
        self,
        url: str,
        kind: str,
        callback: Callback,
        *,
        key: str | None = None,
        optional: tuple[int, ...] = OPTIONAL_MISSING,
        **meta: Any,
    ) -> Request | None:
        """A listing the publisher linked or a probe of ours (never a URL the source names): its "not here" answers
        are the site's state, and while it is remembered absent it is asked only when its next probe is due."""
        key = key or url_key(url)
        if key in self.entry_points:
            return self.request(url, kind, callback, **meta)
        if not self.absences.due(key, kind):
            self._inc(statkeys.ABSENT_SKIPPED + kind)
            return None
        return self.request(url, kind, callback, optional=optional, absence_key=key, **meta)
