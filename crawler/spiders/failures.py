"""A failed request that counts against its run: counted by page kind and cause, logged once, in words.

What an operator reads in ``status`` and the reading room comes from these stats (``crawler.run.outcome``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scrapy import exceptions
from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.internet import error as twisted_errors
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

from crawler import statkeys

log = logging.getLogger(__name__)

_CAUSES: tuple[tuple[str, str, tuple[type[BaseException], ...]], ...] = (
    (
        "timeout",
        "timed out",
        (exceptions.DownloadTimeoutError, twisted_errors.TimeoutError, twisted_errors.TCPTimedOutError),
    ),
    ("dns_failure", "DNS lookup failed", (exceptions.CannotResolveHostError, twisted_errors.DNSLookupError)),
    (
        "connection_refused",
        "connection refused",
        (exceptions.DownloadConnectionRefusedError, twisted_errors.ConnectionRefusedError),
    ),
    (
        "connection_lost",
        "connection lost",
        (
            exceptions.DownloadFailedError,
            exceptions.ResponseDataLossError,
            twisted_errors.ConnectionLost,
            twisted_errors.ConnectionDone,
            ResponseFailed,
        ),
    ),
    ("connection_failed", "connection failed", (twisted_errors.ConnectError,)),
)
"""Scrapy 2.19's own exceptions and the Twisted ones older code paths still raise, grouped as an operator sees them."""


@dataclass(frozen=True)
class Cause:
    key: str
    """The stats key's last part: ``http_503``, ``timeout``, ``dns_failure``, ``connection_refused``,
    ``connection_lost``, or the exception's class name in lower case."""
    words: str
    """``HTTP 503 (after retries)``, ``timed out``, ``connection refused``, …"""


def failure_cause(failure: Failure) -> Cause:
    """Why a request failed, from its errback's failure."""
    if failure.check(HttpError):
        status = failure.value.response.status
        retried = " (after retries)" if failure.request.meta.get("retry_times") else ""
        return Cause(f"http_{status}", f"HTTP {status}{retried}")
    for key, words, types in _CAUSES:
        if failure.check(*types):
            return Cause(key, words)
    name = type(failure.value).__name__
    return Cause(name.lower(), f"{name}: {failure.value}")


def record_failure(stats: StatsCollector, request: Request, kind: str, failure: Failure) -> None:
    """One warning line; counts by kind (the verdict's share) and cause (its words); entry points apart (robots.txt,
    configured URLs: no tolerance); the run's first failure kept in words."""
    cause = failure_cause(failure)
    log.warning("%s %s failed: %s", kind, request.url, cause.words)
    log.debug("%s", failure.getTraceback())
    stats.inc_value(statkeys.FETCH_ERRORS + kind)
    stats.inc_value(statkeys.FETCH_ERROR_CAUSES + cause.key)
    if request.meta.get("entry_point"):
        stats.inc_value(statkeys.ENTRY_POINT_ERRORS)
    if stats.get_value(statkeys.FIRST_FETCH_ERROR) is None:
        stats.set_value(statkeys.FIRST_FETCH_ERROR, f"{kind} {request.url}: {cause.words}")
