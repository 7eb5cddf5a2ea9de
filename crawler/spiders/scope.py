"""A run's discovery scope: which inputs it reads, which listed articles are its own, and where it stops.

The news spider asks its scope at every turn where a normal run and a back-fill batch differ, as it asks its
incremental policy what is due: the first requests, whether a listed article belongs to the run, the article cap,
the dates an API listing is asked for, whether a feed has more pages worth reading. :class:`SourceScope` is a normal
run's; ``crawler.spiders.backfill.BackfillScope`` walks a date window of a source's history instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from scrapy.http import Request

from crawler.discovery import feeds
from crawler.discovery.entries import Discovered
from crawler.discovery.links import url_key
from crawler.spiders.incremental import IncrementalPolicy

if TYPE_CHECKING:
    from crawler.spiders.news import NewsSpider
    from crawler.spiders.wayback import WaybackImport

OUTSIDE_SCOPE = "newsarchive/backfill/outside_window"
"""Listed articles the scope does not hold (a back-fill's: published outside its window)."""


class SourceScope:
    """A normal run: everything the source lists, changed since the last run, up to the source's article cap."""

    max_feed_pages = 10
    max_api_pages = 50
    rechecks = True
    """Whether stored articles due for a re-check are fetched in this run."""
    wayback: WaybackImport | None = None
    """The Wayback Machine import the run makes, if any (its CDX answers and pages go there)."""

    def incremental_policy(
        self, known: Mapping[str, datetime], since: datetime | None, revisit_window: int, inc: Callable[[str], None]
    ) -> IncrementalPolicy:
        """What is due, from the articles archived already (``known``) and the last successful run (``since``)."""
        return IncrementalPolicy(known, since, revisit_window)

    def first_requests(self, spider: NewsSpider) -> Iterator[Request]:
        """robots.txt (for its sitemaps) and the API per site, then feeds, sitemaps, section pages, re-checks."""
        for site in spider.sites():
            yield spider.robots_request(site)
            if spider.wp_api and (request := spider.api_request(site, 1)):
                yield request
        yield from spider.feed_requests()
        yield from spider.sitemap_requests()
        yield from spider.listing_requests()
        yield from spider.recheck_requests()

    def holds(self, entry: Discovered) -> bool:
        """Whether a listed article belongs to the run (a normal run: all of them)."""
        return True

    def cap_reached(self, max_articles: int, requested: int) -> bool:
        """Whether the run has requested all the articles it may (``max_articles``: the source's cap, 0: none)."""
        return bool(max_articles) and requested >= max_articles

    def api_bounds(self, incremental: IncrementalPolicy) -> tuple[datetime | None, datetime | None]:
        """``after`` and ``before`` of the WordPress API's listing: what changed since the last run."""
        return incremental.changed_since(), None

    def feed_continues(self, feed: feeds.Feed, page: int, incremental: IncrementalPolicy) -> bool:
        """Catching up: every entry of this feed page is new, so older pages may hold more."""
        if page >= self.max_feed_pages:
            return False
        return not any(incremental.is_known(url_key(entry.url)) for entry in feed.entries)

    def extra_urls(self) -> tuple[str, ...]:
        """URLs off the source's domains that the run fetches all the same (Scrapy's offsite filter lets them by)."""
        return ()
