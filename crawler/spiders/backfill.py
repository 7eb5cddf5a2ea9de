"""One batch of a back-fill: a source's spider, given a :class:`BackfillScope`, walking a date window of its history.

A normal run looks at what changed since the last one and stops early (10 feed pages, 50 API pages, the source's
article cap). A back-fill batch instead walks one window ``[after, before)`` to its end: the WordPress API with
``after``/``before``, or (in the ``lists`` phase) every sitemap whose dates reach into the window and every feed
page down to ``after``. What is archived already is never fetched again, so a batch repeated after a kill, or a
window walked by two phases, costs listing pages only. A batch stops at ``batch`` article requests; the caller
runs the window again until a batch ends under that cap (see ``scheduler.backfill``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.http import Request

from crawler.discovery import feeds
from crawler.discovery.entries import Discovered
from crawler.spiders.incremental import IncrementalPolicy
from crawler.spiders.scope import SourceScope
from crawler.spiders.wayback import WaybackImport

if TYPE_CHECKING:
    from crawler.spiders.news import NewsSpider

MAX_API_PAGES = 1000
"""Per window; 100,000 posts. A window holding more is split by the caller choosing a shorter ``--window``."""
MAX_FEED_PAGES = 1000

_MONTH_IN_URL = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/_.]?(0[1-9]|1[0-2])(?!\d)")
"""``sitemap-2019-03.xml``, ``/sitemap/2019/03/``, ``post-2019_03.xml``: a sub-sitemap of one month."""


@dataclass(frozen=True)
class BatchWindow:
    """What one back-fill batch walks: the phase, the date range, and how many articles it may request."""

    phase: str
    """``api`` (the WordPress API over the window), ``lists`` (sitemaps and feeds over the window) or ``wayback``
    (captures of the window's time in a Wayback Machine)."""
    after: datetime
    before: datetime
    batch: int
    wayback: str | None = None
    """The Wayback Machine's base URL (``https://web.archive.org``) for the ``wayback`` phase."""

    def to_dict(self) -> dict[str, Any]:
        return {"phase": self.phase, "after": self.after.isoformat(), "before": self.before.isoformat(),
                "batch": self.batch, "wayback": self.wayback}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BatchWindow:
        after, before = datetime.fromisoformat(data["after"]), datetime.fromisoformat(data["before"])
        return cls(data["phase"], after, before, data["batch"], data.get("wayback"))

    def holds(self, entry: Discovered) -> bool:
        """Whether a listed article may belong to the window.

        A publication date decides. Without one, a last change before the window rules it out (an article changes
        after it is published, never before); a later one does not (an old article edited last week).
        """
        if entry.published is not None:
            return self.after <= entry.published < self.before
        return entry.latest is None or entry.latest >= self.after

    def may_list(self, sitemap: Discovered) -> bool:
        """Whether a sub-sitemap may list articles of the window: by the month in its URL, else by its lastmod."""
        month = month_in_url(sitemap.url)
        if month is not None:
            start = datetime(month[0], month[1], 1, tzinfo=UTC)
            end = datetime(month[0] + month[1] // 12, month[1] % 12 + 1, 1, tzinfo=UTC)
            return start < self.before and end > self.after
        return sitemap.latest is None or sitemap.latest >= self.after


def month_in_url(url: str) -> tuple[int, int] | None:
    """(year, month) of a sitemap that names one in its path or query, e.g. ``sitemap-2019-03.xml``."""
    match = _MONTH_IN_URL.search(url.split("://", 1)[-1].split("/", 1)[-1])
    return (int(match.group(1)), int(match.group(2))) if match else None


class BackfillPolicy(IncrementalPolicy):
    """What a batch fetches: only what is not archived yet, from every listing that may reach into its window."""

    def __init__(self, known: Mapping[str, datetime], window: BatchWindow, inc: Callable[[str], None]) -> None:
        super().__init__(known, since=None, revisit_window=0)
        self.window = window
        self._inc = inc

    def due(self, key: str, entry: Discovered) -> bool:
        """Only what is not archived yet: a back-fill fills gaps, the re-check schedule follows edits."""
        return key not in self.known

    def changed_since(self) -> datetime | None:
        return None  # every listing is read whole: nothing is "unchanged since the last run" in a back-fill

    def unchanged(self, entry: Discovered) -> bool:
        """A sub-sitemap that cannot list an article of the window is not fetched."""
        if self.window.may_list(entry):
            return False
        self._inc("newsarchive/backfill/sitemap_outside_window")
        return True


class BackfillScope(SourceScope):
    """A back-fill batch: the window's articles from the phase's inputs, up to ``batch`` article requests."""

    max_feed_pages = MAX_FEED_PAGES
    max_api_pages = MAX_API_PAGES
    rechecks = False
    """A batch walks history; re-checks are the scheduled runs' business."""

    def __init__(self, window: BatchWindow) -> None:
        self.window = window
        self.wayback = WaybackImport(window.wayback, window.after, window.before) if window.wayback else None
        self._feed_pages: set[frozenset[str]] = set()

    def incremental_policy(
        self, known: Mapping[str, datetime], since: datetime | None, revisit_window: int, inc: Callable[[str], None]
    ) -> IncrementalPolicy:
        return BackfillPolicy(known, self.window, inc)

    def first_requests(self, spider: NewsSpider) -> Iterator[Request]:
        """``api``: the API over the window; ``lists``: robots.txt (its sitemaps), sitemaps, feeds; ``wayback``:
        the Wayback Machine's captures."""
        if self.window.phase == "wayback":
            if self.wayback is not None:
                yield from self.wayback.cdx_requests(spider)
        elif self.window.phase == "api":
            if spider.wp_api:
                yield from (request for site in spider.sites() if (request := spider.api_request(site, 1)))
        else:
            yield from (spider.robots_request(site) for site in spider.sites())  # robots.txt names many sitemaps
            yield from spider.sitemap_requests()
            yield from spider.feed_requests()

    def holds(self, entry: Discovered) -> bool:
        return self.window.holds(entry)

    def cap_reached(self, max_articles: int, requested: int) -> bool:
        return requested >= self.window.batch

    def api_bounds(self, incremental: IncrementalPolicy) -> tuple[datetime | None, datetime | None]:
        return self.window.after, self.window.before

    def feed_continues(self, feed: feeds.Feed, page: int, incremental: IncrementalPolicy) -> bool:
        """Older feed pages until one reaches back past the window (or the feed ends), whatever is known."""
        if page >= self.max_feed_pages:
            return False
        page_urls = frozenset(entry.url for entry in feed.entries)
        if page_urls in self._feed_pages:
            return False  # a server ignoring ``?paged`` repeats a page: the feed ends here
        self._feed_pages.add(page_urls)
        dates = [entry.published or entry.latest for entry in feed.entries]
        oldest = min((value for value in dates if value is not None), default=None)
        return oldest is None or oldest >= self.window.after

    def extra_urls(self) -> tuple[str, ...]:
        return (self.window.wayback,) if self.window.wayback else ()
