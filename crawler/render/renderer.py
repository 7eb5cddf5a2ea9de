"""Which pages of a run are rendered, one at a time, each within its time and memory limits; records their captures."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Response, TextResponse

from crawler import settings as defaults
from crawler import statkeys
from crawler.discovery.links import url_key
from crawler.downloadermiddlewares.warcrecorder import recorder_of
from crawler.errors import ArchiveError, RenderError
from crawler.render.browser import BrowserHost
from crawler.render.fetcher import BrowserFetcher
from crawler.render.page import Capture, RenderOptions, render_page
from crawler.render.resources import PAGE_KIND, capture_group

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from crawler.config.schema import SourceConfig

log = logging.getLogger(__name__)

RENDERED_KINDS = ("listing", "article")
"""``render = "all"``: every archived HTML page (not feeds, sitemaps, API answers, nor what pages load)."""
CLOSE_TIMEOUT = 5.0
"""Seconds a page's context may take to close before its browser is killed instead."""
MEMORY_POLL = 0.25
BROWSER_TIMEOUT = 60.0
"""Seconds a (re)started browser may take to give a page its context."""


class PageRenderer:
    """Asked by the spider about every page it parses; renders the ones the source's ``render`` names.

    Renders run beside the crawl (the spider goes on parsing and fetching) and one at a time, in one browser per
    crawl process (see :class:`BrowserHost`). A page that loops, crashes its renderer, or passes the memory cap is
    given up (counted under ``newsarchive/render/given_up/<why>``) and the run goes on; the spider is kept open
    until every render is done.
    """

    def __init__(self, crawler: Crawler, source: SourceConfig, host: BrowserHost) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.source = source
        self.host = host
        self.mode = "all" if "all" in source.render else "front"
        self.timeout = source.render_timeout
        self.max_pages = source.render_max_pages
        self.max_memory = settings.getint("NEWSARCHIVE_RENDER_MAX_MEMORY", defaults.NEWSARCHIVE_RENDER_MAX_MEMORY)
        self.options = RenderOptions()
        self.run_id = settings.get("NEWSARCHIVE_RUN_ID") or None
        self._front = {url_key(url) for url in source.start_urls}
        self._seen: set[str] = set()
        self._pending: set[asyncio.Future[None]] = set()
        self._one_at_a_time = asyncio.Lock()
        self._closed = False
        self._warming: asyncio.Future[None] | None = None

    @property
    def stats(self) -> StatsCollector:
        # The spider (and so this) is built before the crawler's stats exist.
        return self.crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler, source: SourceConfig) -> PageRenderer | None:
        """None when the source renders nothing; NotConfigured without the asyncio reactor Playwright needs."""
        if not source.render:
            return None
        settings = crawler.settings
        # The spider is built before the reactor is installed: judged from the setting that will choose it.
        if "asyncio" not in (settings.get("TWISTED_REACTOR") or ""):
            raise NotConfigured("render needs Scrapy's asyncio reactor (Playwright's API is asyncio's)")
        host = BrowserHost(
            settings.get("NEWSARCHIVE_RENDER_EXECUTABLE") or defaults.NEWSARCHIVE_RENDER_EXECUTABLE,
            heap_mb=settings.getint("NEWSARCHIVE_RENDER_HEAP_MB", defaults.NEWSARCHIVE_RENDER_HEAP_MB),
            restart_after=settings.getint(
                "NEWSARCHIVE_RENDER_RESTART_AFTER", defaults.NEWSARCHIVE_RENDER_RESTART_AFTER
            ),
        )
        renderer = cls(crawler, source, host)
        crawler.signals.connect(renderer.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(renderer.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(renderer.spider_closed, signal=signals.spider_closed)
        return renderer

    # --- the spider's side ----------------------------------------------------------------------------------------

    def offer(self, response: Response) -> None:
        """Render ``response`` later if the source's ``render`` covers it (once per URL and run, up to the cap)."""
        front = self._is_front(response)
        if self._closed or not _renderable(response) or not (front or self._covers(response)):
            return
        key = url_key(response.url)
        if key in self._seen:
            return
        if self.max_pages and len(self._seen) >= self.max_pages:
            self.stats.inc_value("newsarchive/render/skipped_cap")
            return
        self._seen.add(key)
        task = asyncio.ensure_future(self._render(response, front))
        self._pending.add(task)
        task.add_done_callback(self._finished)

    def rendering(self, response: Response) -> bool:
        """Taken for a render this run: its browser capture records what the page loads (its requisites)."""
        return url_key(response.url) in self._seen

    def _is_front(self, response: Response) -> bool:
        """A start URL's page (the spider marks it ``front_page``; a redirected one is known by its first URL)."""
        if response.meta.get("front_page"):
            return True
        first = (response.meta.get("redirect_urls") or [response.url])[0]
        return url_key(first) in self._front or url_key(response.url) in self._front

    def _covers(self, response: Response) -> bool:
        return self.mode == "all" and response.meta.get("page_kind") in RENDERED_KINDS

    def spider_opened(self) -> None:
        """Start the browser while the run fetches its first pages (a second or two the first render saves)."""
        self._warming = asyncio.ensure_future(self._warm())

    async def _warm(self) -> None:
        try:
            await self.host.start()
        except RenderError as error:  # the first render will try again and give up with the reason
            log.warning("browser not started: %s", error)

    def spider_idle(self) -> None:
        if self._pending:
            raise DontCloseSpider

    async def spider_closed(self) -> None:
        """Renders still waiting are dropped (a deadline or a signal ended the run); the browser goes."""
        self._closed = True
        for task in self._pending:
            task.cancel()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        self.stats.set_value("newsarchive/render/browser_starts", self.host.starts)
        await self.host.stop()

    def _finished(self, task: asyncio.Future[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("render failed unexpectedly", exc_info=task.exception())
        if not self._pending:
            # The engine looks at spider_idle again only on its 5 s heartbeat; ask it now (Scrapy's own call).
            slot = getattr(self.crawler.engine, "_slot", None)
            if slot is not None and not self._closed:
                slot.nextcall.schedule()

    # --- one render ------------------------------------------------------------------------------------------------

    async def _render(self, response: Response, front: bool) -> None:
        async with self._one_at_a_time:
            if self._closed:
                return
            fetcher = BrowserFetcher(self.crawler, self.source.name, response.url, self.timeout)
            capture, why = await self._attempt(response, fetcher)
        if capture is None:
            self.stats.inc_value(statkeys.RENDER_GIVEN_UP + why)
            log.warning("render of %s given up: %s", response.url, why)
            return
        if not self._closed:
            self._record(capture, front, fetcher)

    async def _attempt(self, response: Response, fetcher: BrowserFetcher) -> tuple[Capture | None, str]:
        """The capture, or None and why not: timeout, memory, crashed, failed or browser."""
        try:
            # The browser's start is not the page's time: on a loaded machine it alone can pass a short limit.
            context = await asyncio.wait_for(self._new_context(), BROWSER_TIMEOUT)
        except (RenderError, TimeoutError) as error:
            log.error("no browser for %s: %s", response.url, error)
            self.host.kill()
            return None, "browser"
        work = asyncio.ensure_future(render_page(context, response, fetcher, self.options))
        watchdog = asyncio.ensure_future(self._memory_exceeded())
        done, _ = await asyncio.wait({work, watchdog}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
        watchdog.cancel()
        if work in done and work.exception() is None:
            await self._close(context, kill=False)
            return work.result(), ""
        work.cancel()
        why = "memory" if watchdog in done else "timeout" if not done else _failure(work.exception())
        if why == "failed":
            log.info("render of %s failed: %s", response.url, work.exception())
        await self._close(context, kill=why == "memory")
        return None, why

    async def _new_context(self) -> BrowserContext:
        viewport = {"width": self.options.width, "height": self.options.height}
        return await self.host.new_context(viewport=viewport, service_workers="block")

    async def _memory_exceeded(self) -> None:
        """Returns when the browser's processes hold more than the cap (memory outside V8's heap: buffers, DOM)."""
        while not self.host.memory_above(self.max_memory):
            await asyncio.sleep(MEMORY_POLL)

    async def _close(self, context: BrowserContext, *, kill: bool) -> None:
        """Close the page's context; a browser that does not answer in time (or is suspect) is killed."""
        if not kill:
            try:
                await asyncio.wait_for(context.close(), CLOSE_TIMEOUT)
                return
            except Exception as error:  # any failure to close means the browser cannot be trusted with more pages
                log.warning("browser did not close a page (%r): restarting it", error)
        self.stats.inc_value("newsarchive/render/browser_kills")
        self.host.kill()

    def _record(self, capture: Capture, front: bool, fetcher: BrowserFetcher) -> None:
        recorder = recorder_of(self.crawler)
        if recorder is None:
            return
        fields: dict[str, Any] = {
            "source": self.source.name,
            "run-id": self.run_id,
            "front-page": "true" if front else None,
            "requests": fetcher.requests,
            "refused": fetcher.refused,
        }
        try:
            recorder.write_records(capture_group(capture, fields), PAGE_KIND)
        except ArchiveError:
            return  # counted and the crawl told to stop by the recorder
        self.stats.inc_value(statkeys.RENDER_PAGES)
        self.stats.inc_value("newsarchive/render/screenshot_bytes", len(capture.screenshot))
        self.stats.inc_value("newsarchive/render/seconds", round(capture.seconds, 3))
        log.info("rendered %s in %.1f s (%d requests)", capture.url, capture.seconds, fetcher.requests)


def _renderable(response: Response) -> bool:
    content_type = response.headers.get(b"Content-Type", b"").lower()
    flags = set(response.flags)
    return (
        response.status == 200
        and isinstance(response, TextResponse)
        and b"html" in content_type
        and not flags & {"dataloss", "download_stopped", "cached"}
    )


def _failure(error: BaseException | None) -> str:
    """``crashed`` for a renderer that died (V8 out of memory, a crash), else ``failed`` (e.g. a navigation error)."""
    text = str(error).lower()
    return "crashed" if "crash" in text or "target closed" in text or "has been closed" in text else "failed"
