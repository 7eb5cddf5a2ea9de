"""Extracting an archived response exactly as the live crawl did: Scrapy's response, decoding, then ``extract``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Request, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.statscollectors import DummyStatsCollector

from crawler.config.schema import CrawlConfig
from crawler.errors import NotAnArticle
from crawler.items import ArticleItem
from crawler.settings import crawl_settings, page_size_settings
from crawler.warc.reader import RecordLocation

log = logging.getLogger(__name__)

HeaderPairs = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class ExtractionTask:
    """One archived article response (or a revisit with its original's payload), ready for a worker process."""

    url: str
    status: int
    headers: HeaderPairs
    payload: bytes
    """The body as stored: still content-encoded, as the recorder saw it."""
    source: str
    record_id: str | None
    seen_at: datetime
    mode: str
    where: RecordLocation
    """The response record's, for reports."""
    page_url: str | None = None
    """The URL the page is extracted as when it is not ``url`` (an import: the publisher's, not the Wayback's)."""
    imported_from: str | None = None
    max_page_size: int = CrawlConfig.max_page_size
    """The source's page size limit in the crawl (0: none): what may be inflated is bounded by the crawl's rule."""


@dataclass(frozen=True)
class Outcome:
    where: RecordLocation
    item: ArticleItem | None = None
    not_article: str | None = None
    error: str | None = None
    timed_out: bool = False
    """The extraction went over its time limit and was given up (``error`` says so)."""


def extract_task(task: ExtractionTask) -> Outcome:
    """The article of one archived response, as the live spider would have yielded it; never raises."""
    try:
        return _extract(task)
    except NotAnArticle as reason:
        return Outcome(task.where, not_article=str(reason))
    except Exception as error:  # a worker process boundary: one bad record must not end the replay
        log.debug("extraction of %s failed", task.where, exc_info=True)
        return Outcome(task.where, error=f"{type(error).__name__}: {error}")


def _extract(task: ExtractionTask) -> Outcome:
    from crawler.extract import extract_article

    try:
        response = live_response(task.url, task.status, task.headers, task.payload, max_page_size=task.max_page_size)
    except IgnoreRequest as refused:  # inflated past DOWNLOAD_MAXSIZE (a gzip bomb): the crawl's spider never saw it
        raise NotAnArticle(str(refused)) from refused
    if not isinstance(response, TextResponse):
        raise NotAnArticle(f"not a text response ({type(response).__name__})")
    page_url = task.page_url or response.url
    article = extract_article(response.body, page_url, response.headers.to_unicode_dict(), mode=task.mode)
    item = ArticleItem.from_response(
        article, response, source=task.source, seen_at=task.seen_at, warc_record_id=task.record_id,
        imported_from=task.imported_from,
    )  # fmt: skip
    return Outcome(task.where, item=item)


def live_response(
    url: str, status: int, header_pairs: HeaderPairs, payload: bytes, *, max_page_size: int = CrawlConfig.max_page_size
) -> Response:
    """The response the spider got: the class Scrapy's download handler picks, then HttpCompression's decoding.

    Raises ``IgnoreRequest`` where the crawl's HttpCompression did: a body that inflates past the crawl's
    ``DOWNLOAD_MAXSIZE`` for ``max_page_size``.
    """
    headers = Headers()
    for name, value in header_pairs:
        headers.appendlist(name, value)
    request = Request(url)
    cls = responsetypes.from_args(headers=headers, url=url, body=payload)
    response = cls(url=url, status=status, headers=headers, body=payload, request=request)
    return decompressor(max_page_size).process_response(request, response)


@lru_cache(maxsize=16)
def decompressor(max_page_size: int) -> HttpCompressionMiddleware:
    """Scrapy's own decoder, built from the settings a crawl with this page size limit runs with."""
    crawler = Crawler(Spider, crawl_settings(page_size_settings(max_page_size)))
    # A crawl's collector is made when it starts; this one only ever decodes, so its counts go nowhere.
    crawler.stats = DummyStatsCollector(crawler)
    return HttpCompressionMiddleware.from_crawler(crawler)


def warm_up() -> None:
    """A worker process's start: the extractors warmed as the crawl's are, Scrapy's decoder built."""
    from crawler.extract import warm_up as warm_extractors

    warm_extractors()
    decompressor(CrawlConfig.max_page_size)
