"""The reading room in a real browser: headless Chromium (through Selenium and chromedriver) loads the pages that
`newsarchive web` serves over the crawled archive; the rendered text is checked and the console must stay clean (a
CSP violation is a console error).

Chromium and chromedriver are required, not optional: CI installs them (.ci/run); missing, the test fails saying so.
``NEWSARCHIVE_WRITE_DOCS=1`` also writes the search page's screenshot to docs/reading-room.png for the README, and
the front page's to docs/front-page.png.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from PIL import Image

from tests.support.processes import stop_tree
from tests.web._room import (
    CHECKOUT,
    FRESH_TITLE,
    HOSTILE_TITLE,
    NEW_SENTENCE,
    Archive,
    free_port,
    start_web,
    wait_for_page,
)
from tests.web._screenshots import add_screenshot

DOCS_SCREENSHOT = CHECKOUT / "docs" / "reading-room.png"
DOCS_FRONT = CHECKOUT / "docs" / "front-page.png"
INSTALL_HINT = "apt-get install -y chromium chromium-driver (what .ci/run does)"


def _executable(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"the browser test needs {' or '.join(names)}: {INSTALL_HINT}")


@pytest.fixture(scope="module")
def base_url(archive: Archive) -> Iterator[str]:
    port = free_port()
    process = start_web(archive, port, "--no-archive")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_page(base + "/", process)
        yield base
    finally:
        stop_tree(process, graceful=20)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail('the browser test needs selenium: pip install -e ".[test]"')
    options = webdriver.ChromeOptions()
    options.binary_location = _executable("chromium", "chromium-browser", "google-chrome")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,900")
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=_executable("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


def _visit(browser: Any, url: str, shot: Path) -> str:
    """Load ``url``, screenshot it to ``shot``; the page's rendered text, after checking the console is clean."""
    browser.get(url)
    browser.save_screenshot(str(shot))
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, f"console errors on {url}: {errors}"
    return browser.execute_script("return document.body.innerText")


def test_pages_render_with_a_clean_console(browser: Any, base_url: str, archive: Archive, tmp_path: Path) -> None:
    home = _visit(browser, base_url + "/", tmp_path / "home.png")
    assert "replica" in home and "Reading room" in home

    search = _visit(browser, f"{base_url}/search?{urlencode({'q': 'quarrystone'})}", tmp_path / "search.png")
    assert "quarrystone" in search and "No article matches" not in search
    marked = browser.execute_script("return [...document.querySelectorAll('.snippet mark')].map(m => m.textContent)")
    assert "quarrystone" in marked
    if os.environ.get("NEWSARCHIVE_WRITE_DOCS") == "1":
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(tmp_path / "search.png", DOCS_SCREENSHOT)

    article = _visit(browser, f"{base_url}/article?{urlencode({'url': archive.edited_url})}", tmp_path / "article.png")
    assert NEW_SENTENCE in article and "Versions" in article

    query = urlencode({"url": archive.edited_url, "from": 1, "to": 2})
    diff = _visit(browser, f"{base_url}/diff?{query}", tmp_path / "diff.png")
    inserted = browser.execute_script("return [...document.querySelectorAll('ins')].map(e => e.textContent).join(' ')")
    assert "Version 1 → 2" in diff and "quarrystone" in inserted
    front = _visit(browser, f"{base_url}/front?{urlencode({'source': 'replica'})}", tmp_path / "front.png")
    assert FRESH_TITLE in front and "1 new since the previous capture" in front and "Most read" in front
    assert browser.execute_script("return document.querySelectorAll('tr.new .new-mark').length") == 1
    for name in ("home", "search", "article", "diff", "front"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, f"{name}.png looks blank"


def test_front_shows_the_screenshot_out_of_the_warc(
    browser: Any, base_url: str, archive: Archive, tmp_path: Path
) -> None:
    """A screenshot of the replica's home page, stored as the browser capture stores one, shows on /front."""
    browser.get(archive.front_url)
    png = browser.get_screenshot_as_png()
    browser.get_log("browser")  # the replica's own page misses its theme assets: not the reading room's console
    latest = httpx.get(f"{base_url}/api/front", params={"source": "replica"}).json()["capture"]["captured_at"]
    taken = datetime.fromisoformat(latest) + timedelta(seconds=2)
    add_screenshot(archive.url, archive.config.parent / "data" / "archive", archive.front_url, png, taken)

    _visit(browser, f"{base_url}/front?{urlencode({'source': 'replica'})}", tmp_path / "front.png")
    shown = browser.execute_script(
        "const i = document.querySelector('.screenshot img'); return [i.naturalWidth, i.naturalHeight]"
    )
    assert shown == list(Image.open(io.BytesIO(png)).size), "the <img> did not load the PNG out of the WARC"
    if os.environ.get("NEWSARCHIVE_WRITE_DOCS") == "1":
        shutil.copyfile(tmp_path / "front.png", DOCS_FRONT)


def test_hostile_markup_is_text_in_the_browser(browser: Any, base_url: str, archive: Archive, tmp_path: Path) -> None:
    """The archived <script> shows as text, runs nothing and makes no element; no alert opens."""
    for path, shot in (
        (f"/article?{urlencode({'url': archive.hostile_url})}", "hostile-article.png"),
        (f"/search?{urlencode({'q': 'wraithmoss'})}", "hostile-search.png"),
        (f"/diff?{urlencode({'url': archive.hostile_url})}", "hostile-diff.png"),
    ):
        text = _visit(browser, base_url + path, tmp_path / shot)
        assert "<script>alert('body')</script>" in text, path
        assert browser.execute_script("return document.scripts.length") == 0, path
        assert browser.execute_script("return document.querySelectorAll('main img, main b').length") == 0, path
    _visit(browser, f"{base_url}/article?{urlencode({'url': archive.hostile_url})}", tmp_path / "hostile-article.png")
    assert browser.execute_script("return document.querySelector('main h1').textContent") == HOSTILE_TITLE


def test_the_console_check_sees_a_csp_violation(browser: Any, base_url: str, tmp_path: Path) -> None:
    """The clean-console assertions above can fail: an inline script added to a page is refused and logged."""
    _visit(browser, base_url + "/runs", tmp_path / "runs.png")
    browser.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.body.append(s)"
    )
    assert browser.execute_script("return window.ran === undefined"), "the CSP let an inline script run"
    messages = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert any("Content Security Policy" in message for message in messages), messages
