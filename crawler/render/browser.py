"""The crawl's browser: one Chromium per crawl process, driven by Playwright, reused and restarted after N pages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from crawler.errors import RenderError
from crawler.render.chromium import ChromiumProcess

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Playwright

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


class BrowserHost:
    """Hands out a fresh browser context per page from one long-lived Chromium.

    The browser is started at the first page (a crawl that renders nothing pays nothing), replaced after
    ``restart_after`` pages (Chromium's memory grows with every page it has seen) and killed, not asked, when a page
    leaves it unresponsive: :meth:`kill` SIGKILLs the whole process tree and the next page starts a new one.
    """

    def __init__(self, executable: str, heap_mb: int, restart_after: int) -> None:
        self.executable = executable
        self.heap_mb = heap_mb
        self.restart_after = max(restart_after, 1)
        self.starts = 0
        self.chromium: ChromiumProcess | None = None
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._pages = 0
        self._starting: asyncio.Future[None] | None = None

    async def new_context(self, **options: Any) -> BrowserContext:
        """A new context (its own cookies, storage and cache, so every page's requests are all recorded)."""
        if self._browser is not None and (self._pages >= self.restart_after or not self._usable()):
            log.debug("restarting Chromium after %d pages", self._pages)
            self.kill()
        if self._browser is None:
            await self.start()
        self._pages += 1
        assert self._browser is not None
        from playwright.async_api import Error as PlaywrightError

        try:
            return await self._browser.new_context(**options)
        except PlaywrightError as error:  # the browser died between pages: the next page gets a new one
            self.kill()
            raise RenderError(f"the browser gave no page: {error}") from error

    def _usable(self) -> bool:
        return (
            self._browser is not None and self._browser.is_connected() and bool(self.chromium and self.chromium.alive())
        )

    async def start(self) -> None:
        """Start the browser unless it runs (or is starting: a second caller waits for the same start)."""
        if self._starting is None or self._starting.done():
            self._starting = asyncio.ensure_future(self._start())
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        if self._browser is not None:
            return
        try:
            from playwright.async_api import Error as PlaywrightError
            from playwright.async_api import async_playwright
        except ImportError as error:  # each render is given up with this reason, and the run says so
            raise RenderError("Playwright is not installed (pip install -e '.[render]')") from error
        if self._playwright is None:
            # Playwright's driver (a Node process) once per crawl; the browser behind it may come and go.
            self._playwright = await async_playwright().start()
        chromium = ChromiumProcess(self.executable, self.heap_mb)
        self.chromium = chromium
        try:
            endpoint = await chromium.start()
            self._browser = await self._playwright.chromium.connect_over_cdp(endpoint, timeout=CONNECT_TIMEOUT * 1000)
        except (PlaywrightError, RenderError) as error:
            self.kill()
            raise RenderError(f"Chromium would not start: {error}") from error
        self.starts += 1
        self._pages = 0

    def memory_above(self, bound: int) -> bool:
        return bool(self.chromium and self.chromium.memory_above(bound))

    def kill(self) -> None:
        """Drop the browser at once (SIGKILL); the Playwright connection notices the closed socket by itself."""
        self._browser = None
        if self.chromium is not None:
            self.chromium.kill()
            self.chromium = None

    async def stop(self) -> None:
        """End of the crawl: the browser killed, the driver stopped (bounded: a wedged driver is not waited for)."""
        starting, self._starting = self._starting, None
        if starting is not None and not starting.done():
            starting.cancel()  # a start still under way would leave a browser behind the kill below
            with contextlib.suppress(BaseException):
                await starting
        self.kill()
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            with contextlib.suppress(Exception):  # the driver is going away whatever it answers
                await asyncio.wait_for(playwright.stop(), STOP_TIMEOUT)
