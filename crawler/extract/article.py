"""The article record: what extraction produces and storage keeps."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

PageTime = datetime | date
"""An aware datetime keeps the page's own UTC offset; a bare date means the page gave only a day."""


@dataclass(frozen=True)
class ArticleFields:
    """What a page says about its article, body aside: defined once for the page's metadata and the article record.

    Absent values are ``None`` (lists: empty)."""

    url: str
    title: str | None = None
    authors: tuple[str, ...] = ()
    published_at: PageTime | None = None
    modified_at: PageTime | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None
    summary: str | None = None
    image_url: str | None = None

    def article_fields(self) -> dict[str, Any]:
        """These fields by name, as an :class:`Article` takes them."""
        return {item.name: getattr(self, item.name) for item in fields(ArticleFields)}


@dataclass(frozen=True)
class Article(ArticleFields):
    """One extracted article. ``url`` is canonical."""

    body: str | None = None
    extractor: str = field(default="", compare=False)
    """Name/version/mode of the extraction that produced this record (e.g. ``default/1``)."""
    charset_fallback: str | None = field(default=None, compare=False)
    """The encoding the page was read with when its declared charset was contradicted by its bytes (e.g. ``cp1252``
    for a page labelled UTF-8), else ``None``: how often sites lie about it is worth a counter, not a column."""

    @property
    def date_precision(self) -> str | None:
        """``second`` for a full timestamp, ``day`` for a date-only value, ``None`` when unknown."""
        if self.published_at is None:
            return None
        return "second" if isinstance(self.published_at, datetime) else "day"

    def content_hash(self) -> str:
        """Hash of the fields whose change makes a new version (title, authors, published time, body)."""
        key = json.dumps(
            [self.title, list(self.authors), format_page_time(self.published_at), self.body],
            ensure_ascii=False,
        )
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON shape (``newsarchive extract``): ISO times with the page's offset."""
        record = {name: getattr(self, name) for name in JSON_FIELDS}
        record["authors"] = list(self.authors)
        record["tags"] = list(self.tags)
        record["published_at"] = format_page_time(self.published_at)
        record["modified_at"] = format_page_time(self.modified_at)
        return record


JSON_FIELDS = ("url", "title", "authors", "published_at", "modified_at", "section", "tags", "language", "summary",
               "body", "image_url")  # fmt: skip
"""The contract's keys of an article (``newsarchive extract``), in their order."""


def format_page_time(value: PageTime | None) -> str | None:
    """ISO 8601 with the page's own offset, or ``YYYY-MM-DD`` for a date-only value."""
    if value is None:
        return None
    return value.isoformat()
