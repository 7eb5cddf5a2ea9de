"""The one path from an article response to an item: the extraction switch, the worker pool, the counters.

Every page a crawl extracts goes this way, whether the spider fetched it from the publisher or a back-fill took it
from a Wayback Machine: the same time limit in the same workers, the same ``NEWSARCHIVE_EXTRACT_ENABLED`` switch,
the same counts of pages that are not articles and of charsets the bytes contradict.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scrapy.http import Response, TextResponse

from crawler import extract
from crawler import settings as defaults
from crawler.errors import NotAnArticle
from crawler.extract import Article
from crawler.items import ArticleItem
from crawler.workers import ExtractionPool, WorkerFailed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

log = logging.getLogger(__name__)

Items = list[ArticleItem] | Coroutine[Any, Any, list[ArticleItem]]
"""What a callback returns: the items now, or a coroutine Scrapy awaits (the page is in a worker)."""


class ArticleExtraction:
    """Settings: ``NEWSARCHIVE_EXTRACT_MODE`` (overrides the spider's ``extract_mode``),
    ``NEWSARCHIVE_EXTRACT_ENABLED`` (False: articles archived only, extracted later by a replay),
    ``NEWSARCHIVE_EXTRACT_WORKERS`` (worker processes; 0: on the reactor thread; see ``crawler.workers``)."""

    def __init__(self, crawler: Crawler, source: str, mode: str, *, enabled: bool = True,
                 pool: ExtractionPool | None = None) -> None:  # fmt: skip
        self.crawler = crawler
        self.source = source
        self.mode = mode
        self.enabled = enabled
        self.pool = pool

    @classmethod
    def from_crawler(cls, crawler: Crawler, source: str, mode: str) -> ArticleExtraction:
        settings = crawler.settings
        mode = settings.get("NEWSARCHIVE_EXTRACT_MODE") or mode
        enabled = settings.getbool("NEWSARCHIVE_EXTRACT_ENABLED", defaults.NEWSARCHIVE_EXTRACT_ENABLED)
        pool = ExtractionPool.from_crawler(crawler, mode) if enabled else None
        return cls(crawler, source, mode, enabled=enabled, pool=pool)

    def items(
        self, response: Response, *, seen_at: datetime, page_url: str | None = None, imported_from: str | None = None
    ) -> Items:
        """The page's article as an item (``page_url``: the URL it is extracted as, when not the fetched one)."""
        pool = self.pool
        if self.enabled and pool is not None and isinstance(response, TextResponse) and pool.take():
            return self._items_from_worker(response, pool, seen_at, page_url, imported_from)
        return self._items(response, self.extract(response, page_url), seen_at, imported_from)

    def extract(self, response: Response, page_url: str | None = None) -> Article | None:
        """The article of a page, or ``None`` (counted) when it holds none; extraction on this thread."""
        if not self.enabled:
            self._inc("newsarchive/spider/extraction_skipped")
            return None
        if not isinstance(response, TextResponse):
            self._inc("newsarchive/spider/not_article")
            return None
        headers = response.headers.to_unicode_dict()
        try:
            return extract.extract_article(response.body, page_url or response.url, headers, mode=self.mode)
        except NotAnArticle:
            self.not_article(response)
            return None

    async def extract_in_worker(
        self, response: TextResponse, pool: ExtractionPool, page_url: str | None = None
    ) -> Article | None:
        """:meth:`extract` in one of the crawl's worker processes: the same call, the same result."""
        headers = response.headers.to_unicode_dict()
        try:
            return await pool.extract(response.body, page_url or response.url, headers)
        except NotAnArticle:
            self.not_article(response)
        except WorkerFailed as error:
            self._inc("newsarchive/extract/worker_failed")
            log.error("%s; the page is archived, not extracted", error)
        return None

    def not_article(self, response: Response) -> None:
        self._inc("newsarchive/spider/not_article")
        log.debug("Not an article: %s", response.url)

    async def _items_from_worker(
        self, response: TextResponse, pool: ExtractionPool, seen_at: datetime, page_url: str | None,
        imported_from: str | None,
    ) -> list[ArticleItem]:  # fmt: skip
        return self._items(response, await self.extract_in_worker(response, pool, page_url), seen_at, imported_from)

    def _items(
        self, response: Response, article: Article | None, seen_at: datetime, imported_from: str | None
    ) -> list[ArticleItem]:
        if article is None:
            return []
        if article.charset_fallback:
            self._inc("newsarchive/extract/charset_fallback")
            log.info(
                "%s: declared charset contradicted by the bytes, read as %s", response.url, article.charset_fallback
            )
        if imported_from:
            self._inc("newsarchive/backfill/imported")
        warc_record_id = response.meta.get("warc_record_id")
        return [ArticleItem.from_response(article, response, source=self.source, seen_at=seen_at,
                                          warc_record_id=warc_record_id, imported_from=imported_from)]  # fmt: skip

    def _inc(self, key: str, count: int = 1) -> None:
        stats: StatsCollector | None = self.crawler.stats
        if stats is not None:
            stats.inc_value(key, count)
