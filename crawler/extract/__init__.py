"""Article extraction: HTML bytes + URL (+ headers) in, an :class:`Article` out.

The API is what ``__all__`` names. Besides :func:`extract_article`, the steps it runs first, for tools that run
one alone: ``decode_page``/``decode_html`` (response bytes to HTML text, at most ``MAX_BYTES`` of them),
``clean_text`` (what lxml chokes on removed), ``parse_html`` (the lxml tree), ``extract_metadata`` (its
:class:`Metadata`), ``primary_tag``/``detect_language`` (a language as ``Article.language`` holds it); and the rules
the steps apply, each a pure function: ``clean_authors``, ``looks_like_name``, ``parse_page_time``,
``parse_shown_time``, ``url_day``, ``registrable_domain``, ``newspaper_text``. Each raises ``NotAnArticle`` where
``extract_article`` would.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Mapping
from typing import Any

from crawler.errors import NotAnArticle
from crawler.extract.article import Article, ArticleFields, PageTime, format_page_time

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = "4"
"""Bump whenever the output for the same input changes; stored with every version as ``<mode>/<version>``."""
MODES = ("default", "fast")

_LAZY = {
    "MAX_BYTES": "_decode",
    "decode_html": "_decode",
    "decode_page": "_decode",
    "clean_text": "_document",
    "parse_html": "_document",
    "Metadata": "metadata",
    "extract_metadata": "metadata",
    "primary_tag": "_language",
    "detect_language": "_language",
    "clean_authors": "_authors",
    "looks_like_name": "_authors",
    "parse_page_time": "_dates",
    "parse_shown_time": "_dates",
    "url_day": "_urls",
    "registrable_domain": "_urls",
    "newspaper_text": "_candidates",
}
"""Names imported on first use: the extractors and parsers (trafilatura, newspaper4k, dateparser, babel) take
seconds to import, and importing ``crawler.extract.article`` (storage, export) must stay cheap."""

__all__ = [
    "EXTRACTOR_VERSION",
    "MODES",
    "Article",
    "ArticleFields",
    "NotAnArticle",
    "PageTime",
    "extract_article",
    "format_page_time",
    "warm_up",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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


def warm_up(mode: str = "default") -> None:
    """Import the extractors of ``mode`` and run one tiny extraction, so the first real page is not slow (language
    models and caches load lazily); every worker process, the crawl's and the replay's, starts with it."""
    page = b"<html><head><title>warm up</title></head><body><article><p>" + b"warm up text " * 60 + b"</p></article>"
    with contextlib.suppress(NotAnArticle):
        extract_article(page + b"</body></html>", "https://warm-up.invalid/page/", mode=mode)
