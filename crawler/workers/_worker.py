"""What runs inside an extraction worker process: its one-time setup, then one page per task."""

from __future__ import annotations

import ctypes
import logging
import signal
import sys
from collections.abc import Mapping

from crawler.extract.article import Article

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
_WARM_PAGE = (
    b"<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
    + b"<p>This page loads the extractors' lazily built parts before the first real page arrives.</p>" * 4
    + b"</article></body></html>"
)

ExtractResult = tuple[Article | None, str | None]
"""The article, or ``None`` and why the page holds none."""


def initialize(log_level: str, log_format: str, context: Mapping[str, str], mode: str) -> None:
    """Once per worker: die with the crawl process, leave Ctrl-C to it, log like it, load the extractors."""
    if sys.platform == "linux":
        # A crawl process killed outright (SIGKILL after its deadline) must not leave workers behind.
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    # A terminal's Ctrl-C reaches the whole process group; the crawl process decides how its workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from crawler.logs import set_log_context, setup_logging

    setup_logging(log_level, log_format)
    set_log_context(**context)
    warm_up(mode)


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
