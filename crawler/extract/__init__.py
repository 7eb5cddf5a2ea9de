"""Article extraction: HTML bytes + URL (+ headers) in, an :class:`Article` out."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping

from crawler.errors import NotAnArticle
from crawler.extract.article import Article, PageTime

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = "4"
"""Bump whenever the output for the same input changes; stored with every version as ``<mode>/<version>``."""
MODES = ("default", "fast")

__all__ = ["EXTRACTOR_VERSION", "MODES", "Article", "NotAnArticle", "PageTime", "extract_article", "warm_up"]

# The extractors (trafilatura, readability, newspaper4k) take ~1 s to import: loaded on first use, so importing
# ``crawler.extract.article`` (storage, export) stays cheap. Worker processes call ``warm_up()`` up front.


def extract_article(
    body: bytes, url: str, headers: Mapping[str, str] | None = None, *, mode: str = "default"
) -> Article:
    """The article in a response; :class:`NotAnArticle` when the page holds none.

    Deterministic for the same input; never raises anything but ``NotAnArticle`` for any bytes (a library failing on
    a hostile page is logged and reported as not an article, so a crawl or a replay carries on).
    ``mode`` is ``default`` (extractor ensemble) or ``fast`` (trafilatura only).
    """
    if mode not in MODES:
        raise ValueError(f"unknown extraction mode {mode!r}; expected one of {MODES}")
    from crawler.extract._pipeline import run_extraction

    try:
        return run_extraction(body, url or "", headers, mode=mode, extractor=f"{mode}/{EXTRACTOR_VERSION}")
    except NotAnArticle:
        raise
    except Exception as error:  # process boundary for third-party parsers: see the docstring
        log.warning("extraction failed on %s: %r", url, error, exc_info=True)
        raise NotAnArticle(f"extraction failed: {error!r}") from error


def warm_up() -> None:
    """Import the extractors and run one tiny extraction, so the first real page is not slow."""
    page = b"<html><head><title>warm up</title></head><body><article><p>" + b"warm up text " * 60 + b"</p></article>"
    with contextlib.suppress(NotAnArticle):
        extract_article(page + b"</body></html>", "https://warm-up.invalid/page/")
