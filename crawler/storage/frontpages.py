"""Front-page captures and their link sets (0012): idempotent, batched writes; an unchanged page adds no links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from crawler.discovery.frontpage import FrontPage

_INSERT_SETS = (
    "INSERT INTO front_page_link_sets (digest, link_count)"
    " SELECT * FROM unnest(%s::bytea[], %s::int[]) ON CONFLICT (digest) DO NOTHING RETURNING id, digest"
)
_SET_IDS = "SELECT digest, id FROM front_page_link_sets WHERE digest = ANY(%s)"
_INSERT_LINKS = (
    "INSERT INTO front_page_links (link_set_id, rank, url, text, box, other_boxes)"
    " SELECT set_id, rank, url, text, box, CASE WHEN others = '' THEN NULL ELSE string_to_array(others, E'\\x1f') END"
    " FROM unnest(%s::bigint[], %s::int[], %s::text[], %s::text[], %s::text[], %s::text[])"
    " AS t(set_id, rank, url, text, box, others)"
)
_INSERT_PAGES = (
    "INSERT INTO front_pages (source, url, captured_at, record_id, link_set_id)"
    " SELECT * FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::text[], %s::bigint[])"
    " ON CONFLICT (record_id) DO NOTHING"
)
_SEPARATOR = "\x1f"
"""Joins a link's other boxes into one text for ``unnest`` (arrays of arrays must be rectangular)."""


@dataclass
class FrontPageCounts:
    pages: int = 0
    """Captures stored (a replay of one already stored adds none)."""
    link_sets: int = 0
    """Captures whose links were new: the others repeat a stored set."""
    links: int = 0


class FrontPageStore:
    """Writes front-page captures on one connection; each batch is one transaction."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def store_many(self, pages: Sequence[FrontPage]) -> FrontPageCounts:
        """Store ``pages``: the link sets not stored yet with their links, then one row per capture."""
        counts = FrontPageCounts()
        if not pages:
            return counts
        unique = {page.digest: page for page in pages}
        with self.conn.transaction(), self.conn.cursor() as cursor:
            digests = list(unique)
            cursor.execute(_INSERT_SETS, [digests, [len(unique[d].links) for d in digests]])
            new = {bytes(digest): set_id for set_id, digest in cursor.fetchall()}
            counts.link_sets = len(new)
            counts.links = self._insert_links(cursor, [(new[d], unique[d]) for d in digests if d in new])
            cursor.execute(_SET_IDS, [digests])
            set_ids = {bytes(digest): set_id for digest, set_id in cursor.fetchall()}
            rows = [_page_row(page, set_ids[page.digest]) for page in pages]
            cursor.execute(_INSERT_PAGES, [list(column) for column in zip(*rows, strict=True)])
            counts.pages = max(cursor.rowcount, 0)
        return counts

    @staticmethod
    def _insert_links(cursor: psycopg.Cursor, sets: list[tuple[int, FrontPage]]) -> int:
        rows = [
            (set_id, link.rank, link.url, link.text, link.box, _SEPARATOR.join(link.other_boxes))
            for set_id, page in sets
            for link in page.links
        ]
        if rows:
            cursor.execute(_INSERT_LINKS, [list(column) for column in zip(*rows, strict=True)])
        return len(rows)


def _page_row(page: FrontPage, set_id: int) -> tuple[object, ...]:
    return page.source, page.url, page.captured_at, page.record_id, set_id
