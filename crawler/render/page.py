"""Rendering one page in a browser context: load it from the archived response, scroll, settle, take its picture."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapy.http import Response

from crawler.render.fetcher import BrowserFetcher, fulfil_headers

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page, Route

SCROLL_SCRIPT = """async ({step, pause, maxSteps}) => {
  const height = () => Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0);
  for (let i = 0; i < maxSteps && window.scrollY + window.innerHeight < height(); i++) {
    window.scrollBy(0, step);
    await new Promise(resolve => setTimeout(resolve, pause));
  }
  window.scrollTo(0, 0);
  return height();
}"""
"""Scrolls a viewport at a time so lazy images and infinite lists load, then back to the top for the picture."""


@dataclass(frozen=True)
class RenderOptions:
    width: int = 1280
    height: int = 800
    """The viewport; the screenshot is the full page at this width."""
    max_height: int = 20000
    """Pixels of page height captured at most (a page of endless content would give a PNG of hundreds of MB)."""
    scroll_steps: int = 40
    scroll_pause: float = 0.1
    settle: float = 2.0
    """Seconds at most waiting, after the scroll, for the network to be quiet (what lazy content asked for)."""


@dataclass(frozen=True)
class Capture:
    url: str
    screenshot: bytes
    """PNG of the whole page (clipped at ``max_height``)."""
    dom: bytes
    """The rendered DOM serialised as HTML, UTF-8."""
    width: int
    height: int
    """The screenshot's size in pixels."""
    scroll_height: int
    """The page's height after scrolling (what a full-page picture must cover)."""
    seconds: float


async def render_page(
    context: BrowserContext, response: Response, fetcher: BrowserFetcher, options: RenderOptions
) -> Capture:
    """Load ``response`` as the archived bytes (the page is not fetched again); every other request via ``fetcher``.

    The caller bounds the time (a page whose script never yields is given up there) and closes the context.
    """
    started = time.monotonic()
    page = await context.new_page()
    served = False

    async def route(route: Route) -> None:
        nonlocal served
        request = route.request
        if not served and request.is_navigation_request() and request.frame == page.main_frame:
            served = True
            headers = fulfil_headers(response)
            await route.fulfill(status=response.status, headers=headers, body=response.body)
            return
        await fetcher.handle(route)

    await page.route("**/*", route)
    await page.goto(response.url, wait_until="load", timeout=0)
    # "load" does not wait for what scripts fetch after it: a list built from an API answer comes later.
    await _settle(page, options.settle)
    scroll_height = await _scroll(page, options)
    await _settle(page, options.settle)
    scroll_height = max(scroll_height, await page.evaluate("document.documentElement.scrollHeight"))
    height = min(scroll_height, options.max_height)
    png = await page.screenshot(
        full_page=True, clip={"x": 0, "y": 0, "width": options.width, "height": height}, animations="disabled"
    )
    dom = (await page.content()).encode("utf-8")
    return Capture(response.url, png, dom, options.width, height, scroll_height, time.monotonic() - started)


async def _scroll(page: Page, options: RenderOptions) -> int:
    arguments = {"step": options.height, "pause": int(options.scroll_pause * 1000), "maxSteps": options.scroll_steps}
    return int(await page.evaluate(SCROLL_SCRIPT, arguments))


async def _settle(page: Page, seconds: float) -> None:
    """Playwright's "network idle" (no request for 500 ms), waited for at most ``seconds``."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        await page.wait_for_load_state("networkidle", timeout=seconds * 1000)
