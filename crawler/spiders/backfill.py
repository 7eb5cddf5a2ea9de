"""One batch of a back-fill: a source's spider walking a date window of its history past the normal caps.

A normal run looks at what changed since the last one and stops early (10 feed pages, 50 API pages, the source's
article cap). A back-fill batch instead walks one window ``[after, before)`` to its end: the WordPress API with
``after``/``before``, or (in the ``lists`` phase) every sitemap whose dates reach into the window and every feed
page down to ``after``. What is archived already is never fetched again, so a batch repeated after a kill, or a
window walked by two phases, costs listing pages only. A batch stops at ``batch`` article requests; the caller
runs the window again until a batch ends under that cap (see ``scheduler.backfill``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy.http import Request, Response

from crawler.discovery import feeds, wpapi
from crawler.discovery.entries import Discovered
from crawler.spiders.incremental import IncrementalPolicy
from crawler.spiders.news import NewsSpider
from crawler.spiders.wayback import WaybackImportMixin

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


class BackfillMixin(WaybackImportMixin):
    """Put before a source's spider class (see :func:`backfill_spider`): the site's own rules stay in force."""

    name = ""
    """A mixin, not a spider: Scrapy's loader registers only classes with a name (``backfill_spider`` names it)."""

    def __init__(self, *args: Any, backfill: BatchWindow, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window = backfill
        if self.window.wayback:
            self.wayback_url = self.window.wayback
            self.allow_wayback_host()
        self.incremental = BackfillPolicy(self.incremental.known, self.window, self._inc)
        self._feed_pages: set[frozenset[str]] = set()
        self.rechecks = []  # a batch walks history; re-checks are the scheduled runs' business

    def discovery_requests(self) -> Iterator[Request]:
        if self.window.phase == "wayback":
            yield from self.wayback_requests()
            return
        if self.window.phase == "api":
            if self.wp_api:
                for site in self.sites():
                    yield self._api_request(site, 1)
            return
        for site in self.sites():  # robots.txt names the sitemaps of many sites
            yield self._request(site + "robots.txt", "robots", self.parse_robots, dont_obey_robotstxt=True,
                                handle_httpstatus_list=[401, 403, 404, 410])  # fmt: skip
        for url in self.source.sitemaps:
            if request := self._sitemap_request(url, depth=0):
                yield request
        for url in self.source.feeds:
            yield self._request(url, "feed", self.parse_feed, feed_url=url, feed_page=1)

    def parse_api(self, response: Response) -> Iterator[Request]:
        try:
            posts = wpapi.parse_posts(response.body)
        except wpapi.NotAPostListing:
            self._inc("newsarchive/spider/optional_missing")
            return
        yield from self._articles(posts, "api")
        if response.meta["api_page"] == 1 and not self._cap_reached():
            last = min(wpapi.total_pages(response.headers.to_unicode_dict()), MAX_API_PAGES)
            for page in range(2, last + 1):
                yield self._api_request(response.meta["api_site"], page)

    def _api_request(self, site: str, page: int) -> Request:
        url = wpapi.posts_url(site, page, self.window.after, self.window.before)
        return self._request(url, "api", self.parse_api, optional=wpapi.MISSING_STATUSES, api_site=site, api_page=page)

    def _articles(self, entries: Iterable[Discovered], kind: str) -> Iterator[Request]:
        inside = []
        for entry in entries:
            if self.window.holds(entry):
                inside.append(entry)
            else:
                self._inc("newsarchive/backfill/outside_window")
        return super()._articles(inside, kind)

    def _cap_reached(self) -> bool:
        return self._articles_requested >= self.window.batch

    def _feed_has_more(self, feed: feeds.Feed, page: int) -> bool:
        """Older feed pages until one reaches back past the window (or the feed ends), whatever is known."""
        if not feed.entries or page >= MAX_FEED_PAGES or self._cap_reached():
            return False
        if not (feed.is_wordpress or self.wp_api):
            return False  # only WordPress feeds are known to page (``?paged=N``)
        page_urls = frozenset(entry.url for entry in feed.entries)
        if page_urls in self._feed_pages:
            return False  # a server ignoring ``?paged`` repeats a page: the feed ends here
        self._feed_pages.add(page_urls)
        dates = [entry.published or entry.latest for entry in feed.entries]
        oldest = min((value for value in dates if value is not None), default=None)
        return oldest is None or oldest >= self.window.after


def backfill_spider(spider: type[NewsSpider]) -> type[NewsSpider]:
    """``spider`` with back-fill batches' discovery (its name and site rules unchanged)."""
    return type(f"Backfill{spider.__name__}", (BackfillMixin, spider), {"name": spider.name})
