"""A back-fill's import phase: articles the publisher no longer serves, taken from a Wayback Machine's captures.

The CDX server lists one capture per URL of the source's hosts; each article URL not archived yet is fetched raw
(``id_``) from the Wayback Machine. Our WARC holds that exchange under the Wayback URL we fetched (page kind
``imported``), never under the publisher's URL, so an import is never taken for one of our own captures; the
article version extracted from it carries ``imported_from`` (the capture's Wayback URL) and that capture's time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Request, Response, TextResponse

from crawler import extract
from crawler.discovery import links, wayback
from crawler.errors import NotAnArticle
from crawler.items import ArticleItem
from crawler.spiders.news import NewsSpider, _key, _truncated

log = logging.getLogger(__name__)


class WaybackImportMixin(NewsSpider):
    """The ``wayback`` phase's requests and callbacks (the window gives the Wayback base URL and the range)."""

    name = ""
    """A mixin, not a spider: Scrapy's loader registers only classes with a name (``backfill_spider`` names it)."""
    wayback_url: str = ""

    def wayback_requests(self) -> Iterator[Request]:
        for host in {urlsplit(site).netloc for site in self.sites()}:
            yield self._cdx_request(host, None)

    def allow_wayback_host(self) -> None:
        """Scrapy's offsite filter lets the source's hosts through; the Wayback Machine's must pass too."""
        host = (urlsplit(self.wayback_url).hostname or "").lower()
        if self.allowed_domains and host and host not in self.allowed_domains:
            self.allowed_domains = [*self.allowed_domains, host]

    def parse_cdx(self, response: Response) -> Iterator[Request]:
        try:
            page = wayback.parse_cdx(response.body)
        except wayback.NotACdxListing as error:
            self._inc("newsarchive/backfill/bad_cdx")
            log.warning("Unreadable CDX answer from %s: %s", response.url, error)
            return
        for capture in page.captures:
            self._inc("newsarchive/discovery/wayback")
            if request := self._import_request(capture):
                yield request
        if page.resume_key and not self._cap_reached():
            yield self._cdx_request(response.meta["cdx_host"], page.resume_key)

    def parse_imported(self, response: Response) -> list[ArticleItem]:
        """The archived page's article, extracted as the publisher's page (its URL), seen when it was captured."""
        capture: wayback.WaybackCapture = response.meta["wayback_capture"]
        if not isinstance(response, TextResponse) or _truncated(response):
            self._inc("newsarchive/spider/not_article")
            return []
        try:
            article = extract.extract_article(
                response.body, capture.original, response.headers.to_unicode_dict(), mode=self.extract_mode
            )
        except NotAnArticle:
            self._not_article(response)
            return []
        self._inc("newsarchive/backfill/imported")
        return [
            ArticleItem(
                article=article,
                source=self.source.name,
                fetched_url=response.url,
                warc_record_id=response.meta.get("warc_record_id"),
                seen_at=capture.captured_at,
                imported_from=capture.replay_url(self.wayback_url),
            )
        ]

    def _cdx_request(self, host: str, resume_key: str | None) -> Request:
        window = self.window  # type: ignore[attr-defined]
        url = wayback.cdx_url(self.wayback_url, host, window.after, window.before, resume_key)
        return self._request(url, "cdx", self.parse_cdx, cdx_host=host)

    def _import_request(self, capture: wayback.WaybackCapture) -> Request | None:
        """The raw capture of an article URL of the source not archived yet (nor requested this batch)."""
        key = _key(capture.original)
        if key in self._requested:
            return None
        on_site = links.host_allowed(capture.original, self._domains())
        if not on_site or not links.looks_like_article(capture.original, self.article_pattern):
            self._inc("newsarchive/spider/filtered")
            return None
        if self.incremental.is_known(key):
            self._inc("newsarchive/spider/skipped_known")
            return None
        if not self._claim_article(key):
            return None
        self._inc("newsarchive/backfill/imports_requested")
        meta: dict[str, Any] = {"wayback_capture": capture}
        return self._request(capture.raw_url(self.wayback_url), "imported", self.parse_imported, priority=0, **meta)
