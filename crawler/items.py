"""Scrapy items of ours: an extracted article with the capture it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawler.extract.article import Article


@dataclass
class ArticleItem:
    article: Article
    source: str
    fetched_url: str
    """The URL actually fetched (after redirects); ``article.url`` is the canonical one."""
    warc_record_id: str | None
    """The response record the article was extracted from (None when WARC recording is off)."""
    seen_at: datetime
    """The response's WARC-Date (aware, UTC): seen-times come from captures, never ``now()``."""
