"""Every SQL statement of the reading room, beside the tables and indexes (0005, 0009) they need.

Front-page history (0012) has its own module, ``crawler.storage.frontreading``, on the same ``Reader``; so have the
sources' last-run facts, ``crawler.storage.sourcefacts``, shared with ``newsarchive status``.

Each function takes a ``Reader`` (the web app's read-only pool, ``scheduler.web.pool.Database``) and returns
plain dicts; pagination is by ``limit``/``offset`` with one extra row fetched to tell whether a next page exists.
``bench/web.py`` times search and listing on 100,000 articles; the plans are explained in
0005_reading_room_speed.sql and 0009_search_documents.sql.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
from psycopg.rows import dict_row

from crawler import statkeys

SEARCH_CONFIGS = ("simple", "english", "french", "german", "spanish", "italian", "portuguese", "russian", "dutch")
"""Configs the query is parsed in: one tsquery per config, OR-ed, matches a vector stemmed in any of them."""
MARK_START, MARK_STOP = "\u27e6", "\u27e7"
"""Snippet highlight markers (not HTML: the snippet is escaped first, then the markers become ``<mark>``)."""
FACET_LIMIT = 20
HEADLINE_OPTIONS = f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=35, MinWords=15, MaxFragments=2"
TAG_OPEN = "\ue000"
"""Stands for ``<`` in the text given to ts_headline, whose parser takes ``<script>`` for a tag and drops it: the
snippet must show archived text as it is (escaped later, like every other value)."""


@dataclass(frozen=True)
class Page:
    """A slice of a list: its rows and whether more follow."""

    rows: list[dict[str, Any]]
    number: int
    size: int
    has_next: bool


class Reader(Protocol):
    """Runs one read-only statement and returns its rows as dicts."""

    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...


class ConnectionReader:
    """A ``Reader`` over one open connection: the web pool's, or a command's own (``newsarchive status``)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self.conn.cursor(row_factory=dict_row) as cursor:
            return cursor.execute(sql, params or {}).fetchall()


def _page(db: Reader, sql: str, params: dict[str, Any], number: int, size: int) -> Page:
    """One page of ``sql`` (which must end with ``LIMIT %(limit)s OFFSET %(offset)s``).

    ``%(window)s`` is ``offset + limit``: the rows a sub-select must keep for the page to be right.
    """
    offset = (number - 1) * size
    rows = db.fetch(sql, {**params, "limit": size + 1, "offset": offset, "window": offset + size + 1})
    return Page(rows[:size], number, size, len(rows) > size)


def has_column(db: Reader, table: str, column: str) -> bool:
    """Whether a migration added ``column``: the pages work on databases at any schema version."""
    rows = db.fetch(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %(table)s AND column_name = %(column)s",
        {"table": table, "column": column},
    )
    return bool(rows)


_ARTICLE_COLUMNS = """
    r.url, r.source, v.title, v.authors, v.published_at, v.section, r.first_seen_at, r.last_seen_at,
    r.current_version AS versions
"""
_CURRENT = "article_records r JOIN article_versions v ON v.article_id = r.id AND v.version = r.current_version"
_ARTICLE_LIST = f"SELECT {_ARTICLE_COLUMNS} FROM {_CURRENT}"


def articles(db: Reader, *, source: str | None, number: int, size: int) -> Page:
    """Current versions, newest publication first (first capture when the date is unknown).

    Dated and undated articles are two index walks merged (published_at; records by first capture): a sort on
    ``coalesce(v.published_at, r.first_seen_at)`` spans two tables, so no index has that order.
    """
    where = "(%(source)s::text IS NULL OR r.source = %(source)s)"
    sql = f"""
        SELECT * FROM (
            (SELECT {_ARTICLE_COLUMNS}, v.published_at AS sort_at, r.id AS sort_id FROM {_CURRENT}
             WHERE v.published_at IS NOT NULL AND {where}
             ORDER BY v.published_at DESC, r.id DESC LIMIT %(window)s)
            UNION ALL
            (SELECT {_ARTICLE_COLUMNS}, r.first_seen_at AS sort_at, r.id AS sort_id FROM {_CURRENT}
             WHERE v.published_at IS NULL AND {where}
             ORDER BY r.first_seen_at DESC, r.id DESC LIMIT %(window)s)
        ) merged
        ORDER BY sort_at DESC, sort_id DESC
        LIMIT %(limit)s OFFSET %(offset)s
        """
    page = _page(db, sql, {"source": source}, number, size)
    for row in page.rows:
        del row["sort_at"], row["sort_id"]
    return page


def article(db: Reader, url: str) -> dict[str, Any] | None:
    """One article's record, or None."""
    rows = db.fetch(
        "SELECT id, url, source, first_seen_at, last_seen_at, current_version FROM article_records WHERE url = %(url)s",
        {"url": url},
    )
    return rows[0] if rows else None


def versions(db: Reader, article_id: int, *, with_class: bool) -> list[dict[str, Any]]:
    """Every version, oldest first, with its capture's time and URL (the WARC record) when known."""
    change = "v.change_class" if with_class else "NULL::text"
    return db.fetch(
        f"""
        SELECT v.version, v.title, v.authors, v.published_at, v.modified_at, v.section, v.tags, v.language,
               v.summary, v.body, v.image_url, v.seen_at, v.fetched_url, {change} AS change_class,
               coalesce(c.captured_at, v.seen_at) AS captured_at, coalesce(c.url, v.fetched_url) AS capture_url
        FROM article_versions v
        LEFT JOIN captures c ON c.record_id = v.warc_record_id
        WHERE v.article_id = %(id)s
        ORDER BY v.version
        """,
        {"id": article_id},
    )


def captures(db: Reader, url: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """Every response capture of the article's URL (re-fetches that found no change included), oldest first."""
    return db.fetch(
        """
        SELECT captured_at, url, status FROM captures
        WHERE url = %(url)s AND record_type IN ('response', 'revisit')
        ORDER BY captured_at LIMIT %(limit)s
        """,
        {"url": url, "limit": limit},
    )


def tsquery(db: Reader, q: str) -> str | None:
    """``q`` parsed in every config, the distinct parses OR-ed, as tsquery text; None when nothing is searchable.

    Parsed once, before the search: a literal tsquery is planned with its real selectivity (the same word OR-ed
    nine times looked nine times as common) and the index condition never depends on a joined row.
    """
    rows = db.fetch(
        """
        SELECT string_agg(DISTINCT '(' || parsed::text || ')', ' | ') AS query
        FROM unnest(%(configs)s::regconfig[]) config, websearch_to_tsquery(config, %(q)s) parsed
        WHERE numnode(parsed) > 0
        """,
        {"configs": list(SEARCH_CONFIGS), "q": q},
    )
    return rows[0]["query"]


@dataclass(frozen=True)
class Found:
    """One page of search results and the facets of every match."""

    page: Page
    facets: dict[str, list[dict[str, Any]]]


def search(db: Reader, filters: dict[str, Any], *, sort: str, number: int, size: int) -> Found:
    """Ranked full-text matches on current versions, each with a highlighted snippet, and their facets.

    ``filters["query"]`` is the text from ``tsquery()``. Matches, filters, facets and rank all read the narrow
    ``search_documents`` rows (0009): the GIN index on the full language-aware vector finds them, the small inline
    vector (title, summary, lead) ranks them; body-only matches rank below every title or lead match, newest first.
    The matches are read once for the page and the facets; only the page's rows are joined to their record and
    version for the title and a headline, which reads and parses the body.
    """
    by_date = "{t}sort_at DESC, {t}article_id DESC"
    order = "{t}rank DESC, " + by_date if sort == "rank" else by_date
    sql = f"""
        WITH matches AS MATERIALIZED (
            SELECT d.article_id, d.version_id, d.source, d.section, d.config,
                   coalesce(d.published_at, d.first_seen_at) AS sort_at, ts_rank(d.ranked, %(query)s::tsquery) AS rank
            FROM search_documents d
            WHERE d.document @@ %(query)s::tsquery AND {_FILTERS}
        ), hits AS (
            SELECT * FROM matches ORDER BY {order.format(t="")} LIMIT %(limit)s OFFSET %(offset)s
        ), facets AS (
            SELECT CASE WHEN grouping(source) = 0 THEN 'source' ELSE 'section' END AS facet,
                   coalesce(source, section) AS value, count(*) AS count
            FROM matches GROUP BY GROUPING SETS ((source), (section))
        )
        SELECT (SELECT coalesce(json_agg(f ORDER BY f.count DESC, f.value), '[]') FROM facets f) AS facets,
               r.url, r.source, v.title, v.authors, v.published_at, v.section, r.current_version AS versions,
               hits.rank,
               ts_headline(hits.config, replace(left(coalesce(v.body, ''), 20000), '<', %(tag_open)s),
                           %(query)s::tsquery, %(headline)s) AS snippet
        FROM (SELECT 1) one
        LEFT JOIN (hits JOIN article_records r ON r.id = hits.article_id
                        JOIN article_versions v ON v.id = hits.version_id) ON true
        ORDER BY {order.format(t="hits.")}
    """
    offset = (number - 1) * size
    options = {"headline": HEADLINE_OPTIONS, "tag_open": TAG_OPEN, "limit": size + 1, "offset": offset}
    rows = db.fetch(sql, {**filters, **options})
    found: dict[str, list[dict[str, Any]]] = {"source": [], "section": []}
    for facet in rows[0]["facets"]:
        if len(found[facet["facet"]]) < FACET_LIMIT:
            found[facet["facet"]].append({"value": facet["value"], "count": facet["count"]})
    hits = [{key: value for key, value in row.items() if key != "facets"} for row in rows if row["url"] is not None]
    for hit in hits:
        hit["snippet"] = hit["snippet"].replace(TAG_OPEN, "<")
    return Found(Page(hits[:size], number, size, len(hits) > size), found)


_FILTERS = """
    (%(source)s::text IS NULL OR d.source = %(source)s)
    AND (%(section)s::text IS NULL OR d.section = %(section)s)
    AND (%(since)s::timestamptz IS NULL OR d.published_at >= %(since)s)
    AND (%(until)s::timestamptz IS NULL OR d.published_at < %(until)s)
    AND (%(author)s::text IS NULL OR EXISTS (
        SELECT 1 FROM unnest(d.authors) a WHERE a ILIKE '%%' || %(author)s || '%%'))
"""


def changes(db: Reader, *, substantive_only: bool, with_class: bool, number: int, size: int) -> Page:
    """Versions after the first, newest capture first: what changed after publication."""
    only = "AND v.change_class IS DISTINCT FROM 'trivial'" if substantive_only and with_class else ""
    change = "v.change_class" if with_class else "NULL::text"
    sql = f"""
        SELECT r.url, r.source, v.version, v.title, v.seen_at AS changed_at, {change} AS change_class,
               r.current_version AS versions
        FROM article_versions v
        JOIN article_records r ON r.id = v.article_id
        WHERE v.version > 1 {only}
        ORDER BY v.seen_at DESC, v.id DESC
        LIMIT %(limit)s OFFSET %(offset)s
    """
    return _page(db, sql, {}, number, size)


def runs(db: Reader, *, source: str | None, number: int, size: int, with_worker: bool) -> Page:
    """Crawl runs, newest first, with what they fetched and found (None while a run goes on: no stats yet)."""
    worker = "worker, scheduled_for" if with_worker else "NULL::text AS worker, NULL::timestamptz AS scheduled_for"
    sql = f"""
        SELECT id, source, trigger, host, pid, {worker}, started_at, finished_at, status, finish_reason, error,
               extract(epoch FROM finished_at - started_at) AS duration,
               CASE WHEN status <> 'running' THEN coalesce((stats ->> 'downloader/response_count')::bigint, 0) END
                   AS pages,
               CASE WHEN status <> 'running' THEN coalesce((stats ->> %(new)s)::bigint, 0) END AS new_articles
        FROM crawl_runs
        WHERE (%(source)s::text IS NULL OR source = %(source)s)
        ORDER BY started_at DESC, id DESC
        LIMIT %(limit)s OFFSET %(offset)s
    """
    return _page(db, sql, {"source": source, "new": statkeys.ARTICLES_NEW}, number, size)


def recent(db: Reader, *, size: int = 10) -> list[dict[str, Any]]:
    """The newest articles by publication (undated ones by first capture), for the front page.

    By publication rather than capture: one crawl captures a source's whole front page within seconds, in no order
    a reader could see, and a back-filled article from years ago is not news.
    """
    return articles(db, source=None, number=1, size=size).rows


def as_of(value: datetime | None) -> str:
    """A capture time as pywb's 14-digit timestamp (UTC)."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y%m%d%H%M%S")
