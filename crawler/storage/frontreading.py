"""The reading room's SQL for front-page history (0012): a front page at a time, and an article's front-page life.

Like ``crawler.storage.reading`` (whose ``Reader`` these functions take), every function returns plain dicts.
A capture is found through ``front_pages (url, captured_at)``; an article's life through ``front_page_links (url)``,
then the captures that point at those link sets.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crawler.storage.captures import surt_key
from crawler.storage.reading import Reader

SCREENSHOT_PREFIX = "urn:screenshot:"
"""Browsertrix's convention for a page's screenshot resource record (``WARC-Target-URI``)."""
SCREENSHOT_WINDOW = timedelta(minutes=30)
"""How far from a capture a screenshot may be and still be shown as that capture's: a render of the same run."""

_CAPTURE = "SELECT id, source, url, captured_at, record_id, link_set_id FROM front_pages"


def pages(db: Reader) -> list[dict[str, Any]]:
    """Every front page with how often and from when to when it was captured, by source."""
    return db.fetch(
        "SELECT source, url, count(*) AS captures, min(captured_at) AS first_at, max(captured_at) AS last_at"
        " FROM front_pages GROUP BY source, url ORDER BY source, count(*) DESC, url"
    )


def page_url(db: Reader, source: str) -> str | None:
    """The source's front page: its most captured start page (a source may have several)."""
    rows = db.fetch(
        "SELECT url FROM front_pages WHERE source = %(source)s GROUP BY url ORDER BY count(*) DESC, url LIMIT 1",
        {"source": source},
    )
    return rows[0]["url"] if rows else None


def capture_at(db: Reader, source: str, url: str, at: datetime) -> dict[str, Any] | None:
    """The capture of ``url`` at or before ``at``; else (``at`` before the first) the first one after."""
    where = "WHERE source = %(source)s AND url = %(url)s"
    params = {"source": source, "url": url, "at": at}
    rows = db.fetch(f"{_CAPTURE} {where} AND captured_at <= %(at)s ORDER BY captured_at DESC, id DESC LIMIT 1", params)
    rows = rows or db.fetch(f"{_CAPTURE} {where} AND captured_at > %(at)s ORDER BY captured_at, id LIMIT 1", params)
    return rows[0] if rows else None


def neighbours(db: Reader, capture: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The previous and the next capture of the same page."""
    params = {"source": capture["source"], "url": capture["url"], "at": capture["captured_at"], "id": capture["id"]}
    where = "WHERE source = %(source)s AND url = %(url)s"
    earlier = f"{where} AND (captured_at, id) < (%(at)s, %(id)s) ORDER BY captured_at DESC, id DESC LIMIT 1"
    later = f"{where} AND (captured_at, id) > (%(at)s, %(id)s) ORDER BY captured_at, id LIMIT 1"
    before = db.fetch(f"{_CAPTURE} {earlier}", params)
    after = db.fetch(f"{_CAPTURE} {later}", params)
    return (before[0] if before else None), (after[0] if after else None)


def links(db: Reader, link_set_id: int, previous_set_id: int | None) -> list[dict[str, Any]]:
    """A capture's links by rank; ``new``: not on the previous capture; ``article_url``: its record, if archived."""
    return db.fetch(
        """
        SELECT l.rank, l.url, l.text, l.box, coalesce(l.other_boxes, '{}') AS other_boxes,
               (%(previous)s::bigint IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM front_page_links o WHERE o.link_set_id = %(previous)s AND o.url = l.url)) AS new,
               a.url AS article_url
        FROM front_page_links l
        LEFT JOIN LATERAL (
            SELECT r.url FROM article_records r WHERE r.url = l.url
            UNION ALL
            SELECT r.url FROM article_versions v JOIN article_records r ON r.id = v.article_id
            WHERE v.fetched_url = l.url
            LIMIT 1
        ) a ON true
        WHERE l.link_set_id = %(set)s
        ORDER BY l.rank
        """,
        {"set": link_set_id, "previous": previous_set_id},
    )


def article_life(db: Reader, urls: list[str]) -> list[dict[str, Any]]:
    """Per front page: when an article (any of ``urls``) was first and last on it, its best rank, in how many
    captures, and the capture and box of its best rank."""
    return db.fetch(
        """
        WITH sets AS (
            SELECT link_set_id, min(rank) AS rank, (array_agg(box ORDER BY rank))[1] AS box
            FROM front_page_links WHERE url = ANY(%(urls)s) GROUP BY link_set_id
        )
        SELECT p.source, p.url AS page_url, min(p.captured_at) AS first_seen_at, max(p.captured_at) AS last_seen_at,
               min(s.rank) AS best_rank, count(*) AS captures,
               (array_agg(p.captured_at ORDER BY s.rank, p.captured_at))[1] AS best_at,
               (array_agg(s.box ORDER BY s.rank, p.captured_at))[1] AS best_box
        FROM sets s JOIN front_pages p ON p.link_set_id = s.link_set_id
        GROUP BY p.source, p.url
        ORDER BY first_seen_at, page_url
        """,
        {"urls": urls},
    )


def article_urls(db: Reader, article_id: int) -> list[str]:
    """The URLs an article was linked by: its record's and every URL a version was fetched from."""
    rows = db.fetch(
        "SELECT url FROM article_records WHERE id = %(id)s UNION SELECT fetched_url FROM article_versions"
        " WHERE article_id = %(id)s",
        {"id": article_id},
    )
    return [row["url"] for row in rows]


def screenshot(db: Reader, url: str, at: datetime) -> dict[str, Any] | None:
    """The screenshot resource of ``url`` nearest ``at`` (within ``SCREENSHOT_WINDOW``), with where its record is."""
    uri = SCREENSHOT_PREFIX + url
    rows = db.fetch(
        """
        SELECT c.captured_at, c.filename, c.record_offset, c.mime, w.path
        FROM captures c LEFT JOIN warc_files w ON w.filename = c.filename
        WHERE c.surt = %(surt)s AND c.url = %(uri)s AND c.record_type = 'resource'
          AND c.captured_at BETWEEN %(at)s::timestamptz - %(window)s AND %(at)s::timestamptz + %(window)s
        ORDER BY abs(extract(epoch FROM c.captured_at - %(at)s::timestamptz)), c.captured_at
        LIMIT 1
        """,
        {"surt": surt_key(uri), "uri": uri, "at": at, "window": SCREENSHOT_WINDOW},
    )
    return rows[0] if rows else None
