"""Spider middleware that asks for what archived articles and listings load (their page requisites).

It reads each article or listing response the spider handled (and the stylesheets it asked for in turn) and adds
requests of page kind ``requisite``: the same scheduler, downloader, robots.txt, delays, AutoThrottle, SSRF guard
and WARC recorder as every other page. A requisite archived and fresh (``crawler.storage.requisites``) is not
asked again; a stale one is asked with its validators, so an unchanged file costs a 304.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured, StopDownload
from scrapy.http import Request, Response, TextResponse
from w3lib.url import canonicalize_url

from crawler import settings as defaults
from crawler.discovery import requisites as finder
from crawler.items import ArticleItem
from crawler.spidermiddlewares.requisitepolicy import RequisitePolicy
from crawler.storage.requisites import ArchivedRequisite, load_for_crawl, validators

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

PAGE_KIND = "requisite"
PAGE_KINDS_READ = frozenset({"article", "listing"})
"""Pages whose requisites are fetched: not feeds, sitemaps, API answers or robots.txt (nobody renders those)."""
KIND_META = "requisite_kind"
PAGE_META = "requisite_page"
PRIORITY = -10
"""After the run's articles: a deadline or an article cap cuts requisites, not the articles themselves."""
STATS = "newsarchive/requisites/"
CSS_TYPES = (b"text/css",)


class RequisitesMiddleware:
    """Enable in ``SPIDER_MIDDLEWARES``; the spider names its callbacks ``parse_requisite`` and ``requisite_failed``
    (``crawler.spiders.requisites.RequisiteCallbacks``). Off with ``NEWSARCHIVE_REQUISITES_ENABLED = False`` or a
    source's ``requisites = false``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_per_page = crawler.settings.getint(
            "NEWSARCHIVE_REQUISITES_MAX_PER_PAGE", defaults.NEWSARCHIVE_REQUISITES_MAX_PER_PAGE
        )
        self.policy: RequisitePolicy | None = None
        self.archived: dict[str, ArchivedRequisite] = {}
        self._asked: set[str] = set()
        self._page_bytes: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequisitesMiddleware:
        if not crawler.settings.getbool("NEWSARCHIVE_REQUISITES_ENABLED", defaults.NEWSARCHIVE_REQUISITES_ENABLED):
            raise NotConfigured("NEWSARCHIVE_REQUISITES_ENABLED is off")
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.headers_received, signal=signals.headers_received)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def spider_opened(self, spider: Any) -> None:
        source = getattr(spider, "source", None)
        if source is None or not getattr(source, "requisites", False) or not hasattr(spider, "parse_requisite"):
            return
        self.policy = RequisitePolicy.from_source(source)
        settings = self.crawler.settings
        started = time.monotonic()
        self.archived = load_for_crawl(settings.get("NEWSARCHIVE_DATABASE_URL"), source.name)
        log.debug("%d archived requisites known (%.2f s)", len(self.archived), time.monotonic() - started)

    # --- the spider's output ---------------------------------------------------------------------------------------

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        images = []
        for element in result:
            if isinstance(element, ArticleItem) and element.article.image_url:
                images.append(element.article.image_url)
            yield element
        yield from self._requests(response, images)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        images = []
        async for element in result:
            if isinstance(element, ArticleItem) and element.article.image_url:
                images.append(element.article.image_url)
            yield element
        for request in self._requests(response, images):
            yield request

    def _requests(self, response: Response, images: list[str]) -> Iterator[Request]:
        if self.policy is None or response.status != 200 or not isinstance(response, TextResponse):
            return
        if "download_stopped" in response.flags or "dataloss" in response.flags:
            return
        kind = response.meta.get("page_kind")
        if kind in PAGE_KINDS_READ:
            if self._rendered(response):
                # The browser capture fetches what the page loads; what it never loads is left to us.
                found = finder.share_images(response.selector, response.url)
            else:
                found = finder.page_requisites(response.selector, response.url, srcset=self.policy.srcset)
            found += [finder.Requisite(url, finder.IMAGE) for url in images]
            page = response.url
        elif kind == PAGE_KIND and _is_css(response):
            found = finder.stylesheet_requisites(response.text, response.url)
            page = response.meta.get(PAGE_META, response.url)
        else:
            return
        yield from self._asks(finder.unique(found), response, page)

    def _rendered(self, response: Response) -> bool:
        renderer = getattr(self.crawler.spider, "renderer", None)
        return bool(renderer is not None and renderer.rendering(response))

    def _asks(self, found: list[finder.Requisite], response: Response, page: str) -> Iterator[Request]:
        self._inc("found", len(found))
        for count, requisite in enumerate(found):
            if count >= self.max_per_page:
                self._inc("page_cap", len(found) - count)
                log.info("%s: %d requisites past the per-page limit not fetched", page, len(found) - count)
                return
            if request := self._request(requisite, response, page):
                yield request

    def _request(self, requisite: finder.Requisite, response: Response, page: str) -> Request | None:
        assert self.policy is not None
        key = canonicalize_url(requisite.url)
        if key in self._asked:
            self._inc("seen_this_run")
            return None
        self._asked.add(key)
        if self.policy.excludes(requisite.url):
            self._inc("excluded")
            return None
        headers = {"Referer": response.url, "Accept": "text/css,*/*;q=0.1" if requisite.kind == "stylesheet" else "*/*"}
        archived = self.archived.get(requisite.url)
        if archived is not None:
            if self.policy.fresh(archived.answered_at):
                self._inc("fresh")
                return None
            headers.update(validators(archived))
            self._inc("revalidated")
        self._inc("requested")
        spider = self.crawler.spider
        meta = {
            "page_kind": PAGE_KIND,
            "source": getattr(getattr(spider, "source", None), "name", None),
            KIND_META: requisite.kind,
            PAGE_META: page,
            "allow_offsite": True,  # a CDN or a media host: a page's requisites come from anywhere public
            "max_page_size": self.policy.max_file_size,
            "handle_httpstatus_list": [304],
        }
        return Request(
            requisite.url,
            callback=spider.parse_requisite,
            errback=spider.requisite_failed,
            headers=headers,
            meta=meta,
            priority=PRIORITY,
        )

    # --- the per-page byte budget ---------------------------------------------------------------------------------

    def headers_received(self, headers: Any, body_length: int, request: Request, spider: Any = None) -> None:
        """A page whose requisites used up its budget gets no more bytes (the request fails, counted)."""
        page = request.meta.get(PAGE_META)
        if page is None or self.policy is None:
            return
        coming = min(max(body_length, 0), self.policy.max_file_size)  # a body past the file cap is cut there
        if self._page_bytes.get(page, 0) + coming > self.policy.max_page_size:
            self._inc("page_size_cap")
            log.info("%s: requisite %s over the page's size limit, not fetched", page, request.url)
            raise StopDownload(fail=True)

    def bytes_received(self, data: bytes, request: Request, spider: Any = None) -> None:
        page = request.meta.get(PAGE_META)
        if page is not None:
            self._page_bytes[page] = self._page_bytes.get(page, 0) + len(data)

    def _inc(self, event: str, count: int = 1) -> None:
        self.stats.inc_value(STATS + event, count)


def _is_css(response: Response) -> bool:
    content_type = (response.headers.get(b"Content-Type") or b"").split(b";")[0].strip().lower()
    return content_type in CSS_TYPES or (not content_type and response.meta.get(KIND_META) == "stylesheet")
