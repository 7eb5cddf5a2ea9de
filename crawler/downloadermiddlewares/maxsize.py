"""Page size limit that keeps the truncated response (Scrapy's DOWNLOAD_MAXSIZE discards it) and marks it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured, StopDownload

from crawler import settings as defaults

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

TRUNCATED_META = "newsarchive_truncated"
"""Request meta key set to ``"length"`` when the body was cut at the size limit (read by the WARC recorder)."""


class MaxPageSizeMiddleware:
    """Stops a download past ``NEWSARCHIVE_MAX_PAGE_SIZE`` bytes (or ``request.meta["max_page_size"]``).

    The response still reaches the middlewares and the spider, flagged ``download_stopped``, with the bytes
    received so far, so the WARC recorder can archive it as ``WARC-Truncated: length``.
    """

    def __init__(self, crawler: Crawler, max_size: int) -> None:
        self.crawler = crawler
        self.max_size = max_size
        self._received: WeakKeyDictionary[Request, int] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MaxPageSizeMiddleware:
        max_size = crawler.settings.getint("NEWSARCHIVE_MAX_PAGE_SIZE", defaults.NEWSARCHIVE_MAX_PAGE_SIZE)
        if max_size < 0:
            raise NotConfigured("NEWSARCHIVE_MAX_PAGE_SIZE < 0")
        middleware = cls(crawler, max_size)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def limit(self, request: Request) -> int:
        return int(request.meta.get("max_page_size", self.max_size) or 0)

    def bytes_received(self, data: bytes, request: Request, spider: object = None) -> None:
        limit = self.limit(request)
        if not limit:
            return
        received = self._received.get(request, 0) + len(data)
        self._received[request] = received
        if received > limit:
            del self._received[request]
            request.meta[TRUNCATED_META] = "length"
            self.crawler.stats.inc_value("newsarchive/maxsize/stopped")
            log.warning("stopped %s at %d bytes (limit %d)", request.url, received, limit)
            raise StopDownload(fail=False)
