"""A back-fill's import phase: articles the publisher no longer serves, taken from a Wayback Machine's captures.

The CDX server lists one capture per URL of the source's hosts; each article URL not archived yet is fetched raw
(``id_``) from the Wayback Machine. Our WARC holds that exchange under the Wayback URL we fetched (page kind
``imported``), never under the publisher's URL, so an import is never taken for one of our own captures; the
article version extracted from it carries ``imported_from`` (the capture's Wayback URL) and that capture's time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.http import Request, Response

from crawler.discovery import links, wayback
from crawler.discovery.links import url_key
from crawler.spiders.extraction import Items
from crawler.spiders.responses import truncated

if TYPE_CHECKING:
    from crawler.spiders.news import NewsSpider

log = logging.getLogger(__name__)


class WaybackImport:
    """The ``wayback`` phase of a back-fill: the captures a Wayback Machine (at ``wayback_url``) holds of the
    source's hosts in ``[after, before)``, through the spider's public requests and its one extraction path."""

    def __init__(self, wayback_url: str, after: datetime, before: datetime) -> None:
        self.wayback_url = wayback_url
        self.after = after
        self.before = before

    def cdx_requests(self, spider: NewsSpider) -> Iterator[Request]:
        for host in {urlsplit(site).netloc for site in spider.sites()}:
            yield self._cdx_request(spider, host, None)

    def parse_cdx(self, spider: NewsSpider, response: Response) -> Iterator[Request]:
        try:
            page = wayback.parse_cdx(response.body)
        except wayback.NotACdxListing as error:
            spider.inc("newsarchive/backfill/bad_cdx")
            log.warning("Unreadable CDX answer from %s: %s", response.url, error)
            return
        for capture in page.captures:
            spider.inc("newsarchive/discovery/wayback")
            if request := self._import_request(spider, capture):
                yield request
        if page.resume_key and not spider.cap_reached():
            yield self._cdx_request(spider, response.meta["cdx_host"], page.resume_key)

    def parse_imported(self, spider: NewsSpider, response: Response) -> Items:
        """The archived page's article, extracted as the publisher's page (its URL), seen when it was captured."""
        capture: wayback.WaybackCapture = response.meta["wayback_capture"]
        if truncated(response):
            spider.inc("newsarchive/spider/not_article")
            return []
        return spider.article_items(
            response, seen_at=capture.captured_at, page_url=capture.original,
            imported_from=capture.replay_url(self.wayback_url),
        )  # fmt: skip

    def _cdx_request(self, spider: NewsSpider, host: str, resume_key: str | None) -> Request:
        url = wayback.cdx_url(self.wayback_url, host, self.after, self.before, resume_key)
        return spider.request(url, "cdx", spider.parse_cdx, cdx_host=host)

    def _import_request(self, spider: NewsSpider, capture: wayback.WaybackCapture) -> Request | None:
        """The raw capture of an article URL of the source not archived yet (nor requested this batch)."""
        key = url_key(capture.original)
        if spider.requested(key):
            return None
        on_site = links.host_allowed(capture.original, spider.domains())
        if not on_site or not links.looks_like_article(capture.original, spider.article_pattern):
            spider.inc("newsarchive/spider/filtered")
            return None
        if spider.incremental.is_known(key):
            spider.inc("newsarchive/spider/skipped_known")
            return None
        if not spider.claim_article(key):
            return None
        spider.inc("newsarchive/backfill/imports_requested")
        meta: dict[str, Any] = {"wayback_capture": capture}
        url = capture.raw_url(self.wayback_url)
        return spider.request(url, "imported", spider.parse_imported, priority=0, **meta)
