"""A replayed page in headless Chromium: what it asked the archive for and the archive lacked (misses), and leaks.

Measures whether the archive holds what a reader's browser loads: the page is opened through pywb as a reader
does (``…/<timestamp>/<url>``, pywb's frame around the page), scrolled so lazy images load, every request
watched. A miss is a request to the replay server answered 404 (pywb's "not in the archive") or failed; a leak is
a request that went anywhere else.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from crawler.render.chromium import DEFAULT_EXECUTABLE, ChromiumProcess
from crawler.render.page import SCROLL_SCRIPT

VIEWPORT = {"width": 1280, "height": 900}


@dataclass
class ReplayCheck:
    requests: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)


def check_replay(
    replay_url: str, replay_base: str, *, screenshot: Path | None = None, executable: str = DEFAULT_EXECUTABLE
) -> ReplayCheck:
    """Open ``replay_url`` (served under ``replay_base``) in headless Chromium; optionally save a screenshot."""
    return asyncio.run(_check(replay_url, replay_base, screenshot, executable))


async def _check(replay_url: str, replay_base: str, screenshot: Path | None, executable: str) -> ReplayCheck:
    from playwright.async_api import async_playwright

    check = ReplayCheck()

    def answered(response: object) -> None:
        url, status = response.url, response.status  # type: ignore[attr-defined]
        if url.startswith(replay_base) and status == 404:
            check.misses.append(f"{url} (404)")

    def sent(request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        check.requests.append(url)
        if not url.startswith((replay_base, "data:", "blob:", "about:")):
            check.leaks.append(url)

    def failed(request: object) -> None:
        url, failure = request.url, request.failure  # type: ignore[attr-defined]
        # Aborted: the browser gave the request up (the page moved on: pywb puts a top-level page in its frame).
        if url.startswith(replay_base) and "ERR_ABORTED" not in (failure or ""):
            check.misses.append(f"{url} ({failure})")

    chromium = ChromiumProcess(executable, 512, proxy="")
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.connect_over_cdp(await chromium.start())
            context = await browser.new_context(viewport=VIEWPORT)
            page = await context.new_page()
            page.on("request", sent)
            page.on("response", answered)
            page.on("requestfailed", failed)
            await page.goto(replay_url, wait_until="load")
            await page.wait_for_load_state("networkidle")
            await page.evaluate(SCROLL_SCRIPT, {"step": 800, "pause": 100, "maxSteps": 40})
            await page.wait_for_load_state("networkidle")
            if screenshot is not None:
                await page.evaluate("window.scrollTo(0, 0)")
                await page.screenshot(path=str(screenshot))
            await context.close()
    finally:
        chromium.kill()
    return check
