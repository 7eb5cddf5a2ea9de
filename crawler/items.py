"""Scrapy items of ours: an extracted article with the capture it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from crawler.extract.article import Article

if TYPE_CHECKING:
    from scrapy.http import Response


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
    etag: str | None = None
    last_modified: str | None = None
    """The response's validators, kept so that a re-check can ask "changed since?" (a 304 costs no body)."""
    imported_from: str | None = None
    """A Wayback Machine capture's URL when the page came from there (``seen_at`` is then that capture's time)."""

    @classmethod
    def from_response(
        cls,
        article: Article,
        response: Response,
        *,
        source: str,
        seen_at: datetime,
        warc_record_id: str | None,
        imported_from: str | None = None,
    ) -> ArticleItem:
        """The one way an article becomes an item, live, imported or replayed: the response's validators kept."""
        return cls(
            article=article,
            source=source,
            fetched_url=response.url,
            warc_record_id=warc_record_id,
            seen_at=seen_at,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            imported_from=imported_from,
        )


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


@dataclass
class NotModifiedItem:
    """A re-check the publisher answered 304 Not Modified: the article was seen unchanged at ``seen_at``."""

    url: str
    """The stored article URL the re-check asked for."""
    source: str
    seen_at: datetime
