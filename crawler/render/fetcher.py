"""Every request a rendered page makes, fetched by the crawl's own downloader instead of the browser's network."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

if TYPE_CHECKING:
    from playwright.async_api import Request as BrowserRequest
    from playwright.async_api import Route
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

FORWARDED_HEADERS = ("accept", "referer", "origin", "content-type")
"""What the browser's request says that the crawl's does not: what it accepts, who asked, what a POST carries.

User-Agent, Accept-Encoding and the rest stay the crawl's (the publisher sees the same polite client; the archive
gets only encodings replay tools read)."""
DROPPED_RESPONSE_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection"})
"""The body handed to the browser is Scrapy's decoded one: framing and encoding headers would describe other bytes."""


class BrowserFetcher:
    """A Playwright route handler: the browser's request → a Scrapy request through every downloader middleware.

    So the SSRF guard, robots.txt, politeness (delay, AutoThrottle, per-domain concurrency), the size cap and the WARC
    recorder (byte-exact records as sent, revisits of known payloads) apply to browser traffic exactly as to the
    crawl's. Redirects are followed by Scrapy (each hop recorded) and the browser gets the last answer: Chromium
    does follow a fulfilled 3xx, but sends the next hop to the network past the interception (Playwright issue
    23301), where only the dead proxy of ``crawler.render.chromium`` waits. Retries are off, as a browser's are: a
    render has a time limit.
    """

    def __init__(self, crawler: Crawler, source: str, page_url: str, timeout: float) -> None:
        self.crawler = crawler
        self.source = source
        self.page_url = page_url
        self.timeout = timeout
        self.requests = 0
        self.refused = 0
        self.failed = 0

    async def handle(self, route: Route) -> None:
        """Fetch and fulfil (or abort) one intercepted request; never raises into Playwright."""
        from playwright.async_api import Error as PlaywrightError

        request = self.scrapy_request(route.request)
        self.requests += 1
        self._inc("newsarchive/render/requests")
        try:
            response = await self.crawler.engine.download_async(request)
        except IgnoreRequest as error:  # SSRF guard, robots.txt, offsite: the crawl would not fetch it either
            self.refused += 1
            self._inc("newsarchive/render/refused")
            log.info("render of %s: %s refused (%s)", self.page_url, request.url, error)
            await _quietly(route.abort("blockedbyclient"), PlaywrightError)
            return
        except Exception as error:  # a network error of any kind (Twisted's are many): the browser sees a failure
            self.failed += 1
            self._inc("newsarchive/render/request_errors")
            log.debug("render of %s: %s failed: %r", self.page_url, request.url, error)
            await _quietly(route.abort("failed"), PlaywrightError)
            return
        await _quietly(
            route.fulfill(status=response.status, headers=fulfil_headers(response), body=response.body),
            PlaywrightError,
        )

    def scrapy_request(self, browser_request: BrowserRequest) -> Request:
        headers = {name: value for name, value in browser_request.headers.items() if name in FORWARDED_HEADERS}
        meta = {
            "page_kind": "requisite",
            "source": self.source,
            "render_of": self.page_url,
            "dont_retry": True,
            "allow_offsite": True,  # images on a CDN are the page's too; the SSRF guard still judges their host
            "download_timeout": self.timeout,
        }
        return Request(
            browser_request.url,
            method=browser_request.method,
            headers=headers,
            body=browser_request.post_data_buffer or b"",
            meta=meta,
            dont_filter=True,
        )

    def _inc(self, key: str) -> None:
        self.crawler.stats.inc_value(key)


def fulfil_headers(response: Response) -> dict[str, str]:
    """Scrapy's response headers for the browser: one string per name (Set-Cookie lines kept apart by newlines)."""
    headers: dict[str, str] = {}
    for name, values in response.headers.items():
        key = name.decode("latin-1").lower()
        if key in DROPPED_RESPONSE_HEADERS:
            continue
        separator = "\n" if key == "set-cookie" else ", "
        headers[key] = separator.join(value.decode("latin-1") for value in values)
    return headers


async def _quietly(action: object, error: type[Exception]) -> None:
    """Await a route action; the page may be gone already (given up, crashed), which is no news."""
    try:
        await action  # type: ignore[misc]
    except error as gone:
        log.debug("route action after the page went: %s", gone)
