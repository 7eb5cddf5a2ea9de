"""The item pipeline that stores extracted articles (and front pages) in PostgreSQL, in batches, off the reactor
thread."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler import settings as defaults
from crawler import statkeys
from crawler.discovery.frontpage import FrontPage
from crawler.items import ArticleItem, NotModifiedItem
from crawler.storage.articles import ArticleStore, StoreCounts
from crawler.storage.batchwriter import BatchWriter
from crawler.storage.frontpages import FrontPageCounts, FrontPageStore

log = logging.getLogger(__name__)


class ArticleStorePipeline:
    """Hands :class:`ArticleItem` objects to a writer thread that upserts them with :class:`ArticleStore`.

    Settings: ``NEWSARCHIVE_DATABASE_URL`` (unset: disabled), ``NEWSARCHIVE_STORE_BATCH_SIZE`` (500),
    ``NEWSARCHIVE_STORE_INTERVAL`` (seconds, 2), ``NEWSARCHIVE_STORE_CLOSE_TIMEOUT`` (seconds, 60),
    ``NEWSARCHIVE_STORE_RETRY_AFTER`` (seconds without connection attempts after a failed one, 30).
    Stats: ``newsarchive/articles/new``, ``…/updated``, ``…/unchanged``, ``…/unstored`` (kept only in the WARCs,
    for now: the run is degraded); ``newsarchive/frontpages/stored`` and ``…/link_sets`` (captures whose links were
    new: an unchanged front page adds none), ``…/unstored``. Front pages ride the articles' writer: one connection
    per crawl.
    """

    def __init__(self, crawler: Crawler, url: str) -> None:
        self.crawler = crawler
        self.url = url
        self.stats = crawler.stats
        settings = crawler.settings
        self.batch_size = settings.getint("NEWSARCHIVE_STORE_BATCH_SIZE", defaults.NEWSARCHIVE_STORE_BATCH_SIZE)
        self.interval = settings.getfloat("NEWSARCHIVE_STORE_INTERVAL", defaults.NEWSARCHIVE_STORE_INTERVAL)
        self.close_timeout = settings.getfloat(
            "NEWSARCHIVE_STORE_CLOSE_TIMEOUT", defaults.NEWSARCHIVE_STORE_CLOSE_TIMEOUT
        )
        self.retry_after = settings.getfloat("NEWSARCHIVE_STORE_RETRY_AFTER", defaults.NEWSARCHIVE_STORE_RETRY_AFTER)
        source = settings.get("NEWSARCHIVE_SOURCE")
        steps = settings.getlist("NEWSARCHIVE_RECHECK", [])
        self.recheck = {source: tuple(float(step) for step in steps)} if source else {}
        self.writer: BatchWriter[StoredItem, Stored] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleStorePipeline:
        url = crawler.settings.get("NEWSARCHIVE_DATABASE_URL")
        if not url:
            raise NotConfigured("NEWSARCHIVE_DATABASE_URL is not set")
        return cls(crawler, url)

    def open_spider(self) -> None:
        self.writer = BatchWriter(
            self.url,
            functools.partial(_store, recheck=self.recheck),
            on_done=self._stored,
            on_failed=self._unstored,
            batch_size=self.batch_size,
            interval=self.interval,
            retry_after=self.retry_after,
            name="newsarchive-article-store",
        )

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem | NotModifiedItem | FrontPage) and self.writer is not None:
            self.writer.put(item)
        return item

    async def close_spider(self) -> None:
        await maybe_deferred_to_future(deferToThread(self.close))

    def close(self) -> None:
        """Store what is queued and stop the writer (blocking: call it off the reactor thread)."""
        writer, self.writer = self.writer, None
        if writer is not None and not writer.close(self.close_timeout):
            log.error(
                "article writer did not finish within %.0f s; unwritten articles stay in the WARCs", self.close_timeout
            )

    def _stored(self, batch: Sequence[StoredItem], stored: Stored) -> None:
        counts, front = stored.articles, stored.front_pages
        counted = {
            statkeys.ARTICLES_NEW: counts.new,
            statkeys.ARTICLES_UPDATED: counts.updated,
            statkeys.ARTICLES_UNCHANGED: counts.unchanged,
            FRONT_PAGES_STORED: front.pages,
            FRONT_PAGE_LINK_SETS: front.link_sets,
        }
        for key, value in counted.items():
            if value:
                self.stats.inc_value(key, value)

    def _unstored(self, batch: Sequence[StoredItem], error: Exception) -> None:
        articles = sum(isinstance(item, ArticleItem) for item in batch)
        if articles:
            self.stats.inc_value(statkeys.ARTICLES_UNSTORED, articles)
        if front_pages := sum(isinstance(item, FrontPage) for item in batch):
            self.stats.inc_value(FRONT_PAGES_UNSTORED, front_pages)
        log.debug("%d items not stored: %s", len(batch), error)


StoredItem = ArticleItem | NotModifiedItem | FrontPage
FRONT_PAGES_STORED = "newsarchive/frontpages/stored"
FRONT_PAGE_LINK_SETS = "newsarchive/frontpages/link_sets"
FRONT_PAGES_UNSTORED = "newsarchive/frontpages/unstored"


@dataclass(frozen=True)
class Stored:
    articles: StoreCounts
    front_pages: FrontPageCounts


def _store(conn: psycopg.Connection, batch: Sequence[StoredItem], recheck: dict[str, tuple[float, ...]]) -> Stored:
    """Articles, then 304 re-checks (a lost 304 only costs one more re-check: its capture is in the WARC), then
    front pages."""
    store = ArticleStore(conn, recheck=recheck)
    counts = store.store_many([item for item in batch if isinstance(item, ArticleItem)])
    store.store_not_modified([item for item in batch if isinstance(item, NotModifiedItem)])
    front = FrontPageStore(conn).store_many([item for item in batch if isinstance(item, FrontPage)])
    return Stored(counts, front)
