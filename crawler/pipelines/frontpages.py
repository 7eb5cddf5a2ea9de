"""The item pipeline that stores front-page captures (their ranked links) in PostgreSQL, off the reactor thread."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import psycopg
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler import settings as defaults
from crawler.discovery.frontpage import FrontPage
from crawler.storage.batchwriter import BatchWriter
from crawler.storage.frontpages import FrontPageCounts, FrontPageStore

log = logging.getLogger(__name__)

STORED = "newsarchive/frontpages/stored"
LINK_SETS = "newsarchive/frontpages/link_sets"
"""Captures whose links were new; the others repeat a stored link set and add no link rows."""
UNSTORED = "newsarchive/frontpages/unstored"
"""Kept only in the WARCs for now (``newsarchive replay`` stores them)."""


class FrontPageStorePipeline:
    """Hands :class:`FrontPage` items to a writer thread that stores them with :class:`FrontPageStore`.

    Settings: ``NEWSARCHIVE_DATABASE_URL`` (unset: disabled) and the article pipeline's ``NEWSARCHIVE_STORE_*``.
    """

    def __init__(self, crawler: Crawler, url: str) -> None:
        self.url = url
        self.stats = crawler.stats
        self.settings = crawler.settings
        self.writer: BatchWriter[FrontPage, FrontPageCounts] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontPageStorePipeline:
        url = crawler.settings.get("NEWSARCHIVE_DATABASE_URL")
        if not url:
            raise NotConfigured("NEWSARCHIVE_DATABASE_URL is not set")
        return cls(crawler, url)

    def open_spider(self) -> None:
        settings = self.settings
        self.writer = BatchWriter(
            self.url,
            _store,
            on_done=self._stored,
            on_failed=self._unstored,
            batch_size=settings.getint("NEWSARCHIVE_STORE_BATCH_SIZE", defaults.NEWSARCHIVE_STORE_BATCH_SIZE),
            interval=settings.getfloat("NEWSARCHIVE_STORE_INTERVAL", defaults.NEWSARCHIVE_STORE_INTERVAL),
            retry_after=settings.getfloat("NEWSARCHIVE_STORE_RETRY_AFTER", defaults.NEWSARCHIVE_STORE_RETRY_AFTER),
            name="newsarchive-frontpage-store",
        )

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FrontPage) and self.writer is not None:
            self.writer.put(item)
        return item

    async def close_spider(self) -> None:
        await maybe_deferred_to_future(deferToThread(self.close))

    def close(self) -> None:
        """Store what is queued and stop the writer (blocking: call it off the reactor thread)."""
        writer, self.writer = self.writer, None
        timeout = self.settings.getfloat("NEWSARCHIVE_STORE_CLOSE_TIMEOUT", defaults.NEWSARCHIVE_STORE_CLOSE_TIMEOUT)
        if writer is not None and not writer.close(timeout):
            log.error("front-page writer did not finish within %.0f s; the rest stays in the WARCs", timeout)

    def _stored(self, batch: Sequence[FrontPage], counts: FrontPageCounts) -> None:
        self.stats.inc_value(STORED, counts.pages)
        if counts.link_sets:
            self.stats.inc_value(LINK_SETS, counts.link_sets)

    def _unstored(self, batch: Sequence[FrontPage], error: Exception) -> None:
        self.stats.inc_value(UNSTORED, len(batch))
        log.debug("%d front pages not stored: %s", len(batch), error)


def _store(conn: psycopg.Connection, batch: Sequence[FrontPage]) -> FrontPageCounts:
    return FrontPageStore(conn).store_many(batch)
