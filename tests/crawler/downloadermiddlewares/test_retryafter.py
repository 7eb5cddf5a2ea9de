"""Retry-After: which 429/503 responses are held, and for how long (the wait itself is tested end to end)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawler.downloadermiddlewares.retryafter import RetryAfterMiddleware, retry_after_seconds

NOW = datetime(2026, 11, 28, 15, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (b"3", 3.0),
        ("Sat, 28 Nov 2026 15:00:30 GMT", 30.0),
        ("Sat, 28 Nov 2026 14:59:00 GMT", 0.0),  # in the past: now
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_retry_after_values(value, seconds) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds


def middleware(**settings) -> RetryAfterMiddleware:
    return RetryAfterMiddleware.from_crawler(get_crawler(settings_dict={"RETRY_TIMES": 2, **settings}))


def response(status: int, retry_after: str | None = "3", **meta) -> tuple[Request, Response]:
    request = Request("https://example.org/a-1/", meta=meta)
    headers = {"Retry-After": retry_after} if retry_after else {}
    return request, Response(request.url, status=status, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "retry_after", "meta", "delay"),
    [
        (503, "3", {}, 3.0),
        (429, "3", {"retry_times": 1}, 3.0),
        (503, "3", {"retry_times": 2}, None),  # the last try: no retry follows
        (503, "3", {"dont_retry": True}, None),
        (500, "3", {}, None),
        (503, None, {}, None),
        (503, "600", {}, None),  # over NEWSARCHIVE_RETRY_AFTER_MAX: not honoured
    ],
)
def test_which_responses_wait(status, retry_after, meta, delay) -> None:
    mw = middleware()
    assert mw._delay(*response(status, retry_after, **meta)) == delay


def test_too_long_is_counted() -> None:
    mw = middleware(NEWSARCHIVE_RETRY_AFTER_MAX=10)
    assert mw._delay(*response(503, "11")) is None
    assert mw.crawler.stats.get_value("newsarchive/retry_after/too_long") == 1
