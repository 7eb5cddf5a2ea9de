"""Retry-After: a 429 or 503 that says when to come back is retried then, not at once (within a bound)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Self

from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler import settings as defaults

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

WAIT_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or an HTTP date); None when absent or invalid."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


class RetryAfterMiddleware:
    """Holds a 429/503 response for its ``Retry-After`` before Scrapy's RetryMiddleware retries it.

    Order it above RetryMiddleware (550), so it sees the response first. Settings: ``NEWSARCHIVE_RETRY_AFTER_MAX``
    (seconds, 60): a longer wait is not honoured (the retry goes as Scrapy sends it, and gives up as it does).
    Stats: ``newsarchive/retry_after/waited``, ``…/seconds``, ``…/too_long``.
    """

    def __init__(self, crawler: Crawler, max_wait: float, max_retry_times: int) -> None:
        self.crawler = crawler
        self.max_wait = max_wait
        self.max_retry_times = max_retry_times

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        max_wait = settings.getfloat("NEWSARCHIVE_RETRY_AFTER_MAX", defaults.NEWSARCHIVE_RETRY_AFTER_MAX)
        return cls(crawler, max_wait, settings.getint("RETRY_TIMES"))

    async def process_response(self, request: Request, response: Response) -> Response:
        delay = self._delay(request, response)
        if delay:
            stats = self.crawler.stats
            stats.inc_value("newsarchive/retry_after/waited")
            stats.inc_value("newsarchive/retry_after/seconds", delay)
            log.info("%s answered %d: retrying after %.0f s as asked", request.url, response.status, delay)
            from twisted.internet import reactor

            await maybe_deferred_to_future(deferLater(reactor, delay))
        return response

    def _delay(self, request: Request, response: Response) -> float | None:
        if response.status not in WAIT_STATUSES or request.meta.get("dont_retry"):
            return None
        retries = request.meta.get("retry_times", 0)
        if retries >= request.meta.get("max_retry_times", self.max_retry_times):
            return None  # no retry follows: nothing to wait for
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if delay is not None and delay > self.max_wait:
            self.crawler.stats.inc_value("newsarchive/retry_after/too_long")
            log.warning("%s asks to retry after %.0f s (over %.0f s): not waiting", request.url, delay, self.max_wait)
            return None
        return delay
