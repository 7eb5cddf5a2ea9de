"""MaxPageSizeMiddleware: stops a download past the limit without failing it, and marks the request."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import StopDownload
from scrapy.utils.test import get_crawler

from crawler.downloadermiddlewares.maxsize import TRUNCATED_META, MaxPageSizeMiddleware


def middleware(limit: int) -> MaxPageSizeMiddleware:
    crawler = get_crawler(Spider, {"NEWSARCHIVE_MAX_PAGE_SIZE": limit})
    crawler.stats.open_spider()
    return MaxPageSizeMiddleware.from_crawler(crawler)


def test_stops_past_the_limit_without_failing() -> None:
    limiter = middleware(10)
    request = Request("http://example.com/")
    limiter.bytes_received(b"12345", request)
    limiter.bytes_received(b"67890", request)
    with pytest.raises(StopDownload) as stopped:
        limiter.bytes_received(b"x", request)
    assert stopped.value.fail is False
    assert request.meta[TRUNCATED_META] == "length"
    assert limiter.crawler.stats.get_value("newsarchive/maxsize/stopped") == 1


def test_counts_per_request_and_honours_meta_override() -> None:
    limiter = middleware(10)
    first, second = Request("http://example.com/1"), Request("http://example.com/2", meta={"max_page_size": 100})
    limiter.bytes_received(b"x" * 8, first)
    limiter.bytes_received(b"x" * 50, second)
    limiter.bytes_received(b"x" * 2, first)
    assert TRUNCATED_META not in first.meta and TRUNCATED_META not in second.meta


def test_zero_means_unlimited() -> None:
    limiter = middleware(0)
    request = Request("http://example.com/")
    limiter.bytes_received(b"x" * 1_000_000, request)
    assert TRUNCATED_META not in request.meta
