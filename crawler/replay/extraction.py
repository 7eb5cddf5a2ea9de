"""Extracting an archived response exactly as the live crawl did: Scrapy's response, decoding, then ``extract``."""

from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass
from datetime import datetime

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import Headers, Request, Response, TextResponse
from scrapy.responsetypes import responsetypes

from crawler.errors import NotAnArticle
from crawler.items import ArticleItem
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


@dataclass(frozen=True)
class Outcome:
    where: RecordLocation
    item: ArticleItem | None = None
    not_article: str | None = None
    error: str | None = None
    timed_out: bool = False
    """The extraction went over its time limit and was given up (``error`` says so)."""


_compression: HttpCompressionMiddleware | None = None


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

    response = live_response(task.url, task.status, task.headers, task.payload)
    if not isinstance(response, TextResponse):
        raise NotAnArticle(f"not a text response ({type(response).__name__})")
    page_url = task.page_url or response.url
    article = extract_article(response.body, page_url, response.headers.to_unicode_dict(), mode=task.mode)
    item = ArticleItem(
        article=article,
        source=task.source,
        fetched_url=response.url,
        warc_record_id=task.record_id,
        seen_at=task.seen_at,
        imported_from=task.imported_from,
    )
    return Outcome(task.where, item=item)


def live_response(url: str, status: int, header_pairs: HeaderPairs, payload: bytes) -> Response:
    """The response the spider got: the class Scrapy's download handler picks, then HttpCompression's decoding."""
    headers = Headers()
    for name, value in header_pairs:
        headers.appendlist(name, value)
    request = Request(url)
    cls = responsetypes.from_args(headers=headers, url=url, body=payload)
    response = cls(url=url, status=status, headers=headers, body=payload, request=request)
    return _decompressor().process_response(request, response)


def _decompressor() -> HttpCompressionMiddleware:
    """Scrapy's own decoder, configured as our crawls run it (no size limits: DOWNLOAD_MAXSIZE = 0)."""
    global _compression
    if _compression is None:
        with warnings.catch_warnings():
            # Without a crawler it is deprecated, but it is the exact code path the crawl's responses took.
            warnings.simplefilter("ignore")
            middleware = HttpCompressionMiddleware()
        middleware._max_size = 0
        middleware._warn_size = 0
        _compression = middleware
    return _compression


def warm_up() -> None:
    """A worker process's start: the extractors imported and run once, Scrapy's decoder built."""
    from crawler.extract import extract_article

    with contextlib.suppress(NotAnArticle):
        extract_article(b"<html><body><p>warm-up</p></body></html>", "http://localhost/")
    _decompressor()
