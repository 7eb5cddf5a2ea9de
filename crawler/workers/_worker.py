"""What runs inside an extraction worker process: its one-time setup, then one page per task."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Mapping

from crawler.extract.article import Article
from crawler.process import set_parent_death_signal

log = logging.getLogger(__name__)

PARENT_CHECK_INTERVAL = 1.0
_WARM_PAGE = (
    b"<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
    + b"<p>This page loads the extractors' lazily built parts before the first real page arrives.</p>" * 4
    + b"</article></body></html>"
)

ExtractResult = tuple[Article | None, str | None]
"""The article, or ``None`` and why the page holds none."""


def initialize(parent: int, log_level: str, log_format: str, context: Mapping[str, str], mode: str) -> None:
    """Once per worker: die with the crawl process, leave Ctrl-C to it, log like it, load the extractors."""
    die_with(parent)
    # A terminal's Ctrl-C reaches the whole process group; the crawl process decides how its workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from crawler.logs import set_log_context, setup_logging

    setup_logging(log_level, log_format)
    set_log_context(**context)
    warm_up(mode)


def die_with(parent: int) -> None:
    """Exit when the crawl process ``parent`` is gone, even if it was killed outright (SIGKILL after a deadline).

    A worker never sees end-of-file on its task queue (it holds both ends), so it would otherwise wait forever.
    """
    set_parent_death_signal(signal.SIGTERM)
    # The signal only comes if the parent dies after the prctl call; the watch also covers the time before it.
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_INTERVAL)
    os._exit(1)


def warm_up(mode: str) -> None:
    """Import the extractors and run them once on a tiny page (language models and caches load lazily)."""
    extract_page(_WARM_PAGE, "http://warm-up.invalid/", {"Content-Type": "text/html"}, mode)


def ready() -> bool:
    """A no-op task: submitted once per worker at start so every process is spawned before the first page."""
    return True


def extract_page(body: bytes, url: str, headers: Mapping[str, str], mode: str) -> ExtractResult:
    """``crawler.extract.extract_article`` on one page, its :class:`NotAnArticle` returned rather than raised."""
    from crawler.errors import NotAnArticle
    from crawler.extract import extract_article

    try:
        return extract_article(body, url, headers, mode=mode), None
    except NotAnArticle as reason:
        return None, str(reason)
