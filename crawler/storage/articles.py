"""Article records and their versions: batched, idempotent upserts keyed by canonical URL and content hash."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import psycopg

from crawler import statkeys
from crawler.extract.article import PageTime
from crawler.items import ArticleItem, NotModifiedItem
from crawler.storage.changes import SUBSTANTIVE, Change, VersionText, classify
from crawler.storage.recheck import Schedule

log = logging.getLogger(__name__)

_ATTEMPTS = 3
"""Tries of a batch that a deadlock or serialization failure rolled back."""

_INSERT_RECORDS = (
    "INSERT INTO article_records (url, source, first_seen_at, last_seen_at, current_version)"
    " SELECT url, source, seen, seen, 0 FROM unnest(%s::text[], %s::text[], %s::timestamptz[]) AS t(url, source, seen)"
    " ON CONFLICT (url) DO NOTHING"
)
_LOCK_RECORDS = (
    "SELECT id, url, source, first_seen_at, last_seen_at, recheck_base, recheck_step, next_check_at, etag,"
    " last_modified FROM article_records WHERE url = ANY(%s) ORDER BY url FOR UPDATE"
)
_LOAD_VERSIONS = (
    "SELECT article_id, version, content_hash, seen_at, warc_record_id FROM article_versions WHERE article_id = ANY(%s)"
)
_INSERT_VERSION = (
    "INSERT INTO article_versions (article_id, version, warc_record_id, fetched_url, extractor, content_hash,"
    " title, authors, published_at, date_precision, modified_at, modified_precision, section, tags, language,"
    " summary, body, image_url, seen_at, imported_from, change_class, change_rule)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_LOAD_TEXTS = (
    "SELECT v.article_id, v.version, v.title, v.authors, v.published_at, v.date_precision, v.body"
    " FROM article_versions v JOIN unnest(%s::bigint[], %s::int[]) AS t(article_id, version)"
    " ON v.article_id = t.article_id AND v.version = t.version"
)
_UPDATE_RECORDS = (
    "UPDATE article_records r SET first_seen_at = t.first_seen, last_seen_at = t.last_seen,"
    " current_version = coalesce(t.current, r.current_version), etag = t.etag, last_modified = t.last_modified,"
    " recheck_base = t.base, recheck_step = t.step, next_check_at = t.next_check"
    " FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::int[], %s::text[], %s::text[],"
    " %s::timestamptz[], %s::smallint[], %s::timestamptz[])"
    " AS t(id, first_seen, last_seen, current, etag, last_modified, base, step, next_check) WHERE r.id = t.id"
)
_KNOWN = """
SELECT url, max(seen) FROM (
    SELECT r.url, r.last_seen_at AS seen FROM article_records r WHERE r.source = %(source)s
    UNION ALL
    SELECT v.fetched_url, r.last_seen_at FROM article_versions v JOIN article_records r ON r.id = v.article_id
    WHERE r.source = %(source)s
    UNION ALL
    SELECT c.url, c.captured_at FROM captures c
    LEFT JOIN crawl_runs run ON run.id = c.run_id AND run.source = c.source
    WHERE c.source = %(source)s AND c.page_kind = 'article' AND c.status = 200
      AND c.record_type IN ('response', 'revisit') AND c.url IS NOT NULL
      AND (run.id IS NULL OR (run.status IN ('finished', 'degraded')
           AND coalesce((run.stats ->> %(unstored)s)::bigint, 0) = 0))
) AS seen GROUP BY url
"""
"""Captured article pages count as known only when their run stored everything it extracted: a run that was killed
(its captures indexed by recovery), failed, cancelled or could not store some articles leaves pages whose articles
may be missing, so the next run fetches them again and stores them."""


@dataclass
class StoreCounts:
    new: int = 0
    """Articles stored for the first time (version 1)."""
    updated: int = 0
    """Known articles whose content changed (a new version)."""
    unchanged: int = 0
    """Known articles seen again with the same content, or the same capture stored again."""

    def __add__(self, other: StoreCounts) -> StoreCounts:
        return StoreCounts(self.new + other.new, self.updated + other.updated, self.unchanged + other.unchanged)


@dataclass
class _Version:
    version: int
    content_hash: str
    seen_at: datetime
    warc_record_id: str | None
    text: VersionText | None = None
    """Its fields when it was made in this batch (else loaded when a later version needs them)."""


@dataclass
class _NewVersion:
    row: tuple
    article_id: int
    text: VersionText
    previous: _Version | None
    """The version in effect when this one was seen: what it is compared with (None: the first version)."""
    change: Change | None = None


@dataclass
class _Record:
    id: int
    source: str
    first_seen_at: datetime
    last_seen_at: datetime
    versions: list[_Version]
    schedule: Schedule
    next_check_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    validators_seen_at: datetime | None = None
    """When the validators in hand were sent: a later 200's replace them, an older capture's do not."""


class ArticleStore:
    """Stores extracted articles on one connection; each :meth:`store_many` call is one transaction.

    Versioning: an item whose content hash equals that of the version in effect at its ``seen_at`` only widens the
    record's first/last seen times, so replaying older WARCs after newer ones is harmless; otherwise it becomes a new
    version. The current version is the one seen last. Storing the same capture (WARC record id) twice is a no-op.
    """

    def __init__(self, conn: psycopg.Connection, recheck: Mapping[str, Sequence[float]] | None = None) -> None:
        """``recheck``: each source's re-check steps (seconds); a source not in it keeps its schedule untouched."""
        self.conn = conn
        self.recheck = dict(recheck or {})

    def store_many(self, items: Sequence[ArticleItem]) -> StoreCounts:
        """Upsert ``items`` in one transaction and say what each did.

        Use an autocommit connection (each call commits); inside an open transaction this is a savepoint only.
        """
        if not items:
            return StoreCounts()
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return self._store(items)
            except psycopg.errors.TransactionRollback:
                # Two writers (a crawl and a replay) touching the same articles in a different order.
                if attempt == _ATTEMPTS:
                    raise
                log.info("article batch rolled back by a concurrent writer; retrying (%d/%d)", attempt, _ATTEMPTS)
        raise AssertionError("unreachable")

    def _store(self, items: Sequence[ArticleItem]) -> StoreCounts:
        ordered = sorted(items, key=lambda item: (item.article.url, _utc(item.seen_at)))
        urls = sorted({item.article.url for item in ordered})
        with self.conn.transaction(), self.conn.cursor() as cursor:
            _insert_records(cursor, ordered)
            records = _lock_records(cursor, urls)
            counts, new_versions, sightings = _decide(ordered, records)
            if new_versions:
                cursor.executemany(_INSERT_VERSION, _classified(cursor, new_versions))
            for record, seen_at, new in sightings:
                self._reschedule(record, seen_at, new)
            _update_records(cursor, records.values())
        return counts

    def store_not_modified(self, items: Sequence[NotModifiedItem]) -> int:
        """Re-checks answered 304: each article was seen unchanged then; how many were known."""
        if not items:
            return 0
        ordered = sorted(items, key=lambda item: (item.url, _utc(item.seen_at)))
        with self.conn.transaction(), self.conn.cursor() as cursor:
            records = _lock_records(cursor, sorted({item.url for item in ordered}))
            for item in ordered:
                if record := records.get(item.url):
                    record.last_seen_at = max(record.last_seen_at, _utc(item.seen_at))
                    self._reschedule(record, _utc(item.seen_at), None)
            _update_records(cursor, records.values())
        return len(records)

    def _reschedule(self, record: _Record, seen_at: datetime, new: _NewVersion | None) -> None:
        """A sighting moves the record's re-check schedule: restarted by a first or substantive version."""
        steps = self.recheck.get(record.source)
        if steps is None:
            return
        change = new.change if new else None
        if new is not None and (new.previous is None or (change is not None and change.kind == SUBSTANTIVE)):
            record.schedule.restart(seen_at)
        else:
            record.schedule.checked(seen_at, steps, record.first_seen_at)
        record.next_check_at = record.schedule.next_check_at(steps)

    def known_articles(self, source: str) -> dict[str, datetime]:
        """Every URL (canonical or fetched) of ``source``'s stored articles and captured article pages → last seen."""
        rows = self.conn.execute(_KNOWN, {"source": source, "unstored": statkeys.ARTICLES_UNSTORED}).fetchall()
        return dict(rows)

    def totals(self) -> dict[str, int]:
        """Number of articles per source."""
        rows = self.conn.execute("SELECT source, count(*) FROM article_records GROUP BY source").fetchall()
        return dict(rows)


def _insert_records(cursor: psycopg.Cursor, items: Sequence[ArticleItem]) -> None:
    first: dict[str, ArticleItem] = {}
    for item in items:
        first.setdefault(item.article.url, item)
    cursor.execute(
        _INSERT_RECORDS,
        [list(first), [item.source for item in first.values()], [_utc(item.seen_at) for item in first.values()]],
    )


def _lock_records(cursor: psycopg.Cursor, urls: list[str]) -> dict[str, _Record]:
    records = {}
    for id_, url, source, first, last, base, step, next_check, etag, modified in cursor.execute(_LOCK_RECORDS, [urls]):
        records[url] = _Record(id_, source, first, last, [], Schedule(base, step), next_check, etag, modified)
    by_id = {record.id: record for record in records.values()}
    for article_id, version, content_hash, seen_at, record_id in cursor.execute(_LOAD_VERSIONS, [list(by_id)]):
        by_id[article_id].versions.append(_Version(version, content_hash, seen_at, record_id))
    return records


Sighting = tuple[_Record, datetime, "_NewVersion | None"]
"""An item seen: its record, when, and the version it made (None: nothing new)."""


def _decide(
    items: Sequence[ArticleItem], records: dict[str, _Record]
) -> tuple[StoreCounts, list[_NewVersion], list[Sighting]]:
    counts = StoreCounts()
    new_versions: list[_NewVersion] = []
    sightings: list[Sighting] = []
    for item in items:
        record = records[item.article.url]
        seen_at = _utc(item.seen_at)
        record.first_seen_at = min(record.first_seen_at, seen_at)
        record.last_seen_at = max(record.last_seen_at, seen_at)
        _keep_validators(record, item, seen_at)
        content_hash = item.article.content_hash()
        if _already_stored(record, item, content_hash, seen_at):
            counts.unchanged += 1
            sightings.append((record, seen_at, None))
            continue
        number = 1 + max((v.version for v in record.versions), default=0)
        previous = _version_at(record.versions, seen_at) if record.versions else None
        version = _Version(number, content_hash, seen_at, item.warc_record_id, _text_of(item))
        if version.version == 1:
            counts.new += 1
        else:
            counts.updated += 1
        record.versions.append(version)
        row = _version_row(record.id, version.version, item, content_hash)
        new = _NewVersion(row, record.id, version.text, previous)
        new_versions.append(new)
        sightings.append((record, seen_at, new))
    return counts, new_versions, sightings


def _keep_validators(record: _Record, item: ArticleItem, seen_at: datetime) -> None:
    if not (item.etag or item.last_modified):
        return
    if record.validators_seen_at is None or seen_at >= record.validators_seen_at:
        record.etag, record.last_modified, record.validators_seen_at = item.etag, item.last_modified, seen_at


def _classified(cursor: psycopg.Cursor, new_versions: list[_NewVersion]) -> list[list]:
    """The rows with their change class and rule: each compared with the version in effect before it."""
    missing = [(n.article_id, n.previous.version) for n in new_versions if n.previous and n.previous.text is None]
    loaded: dict[tuple[int, int], VersionText] = {}
    if missing:
        ids, numbers = zip(*missing, strict=True)
        for article_id, number, title, authors, published, precision, body in cursor.execute(
            _LOAD_TEXTS, [list(ids), list(numbers)]
        ):
            loaded[(article_id, number)] = VersionText(
                title, tuple(authors), _published_text(published, precision), body
            )
    rows = []
    for new in new_versions:
        if new.previous is not None:
            before = new.previous.text or loaded.get((new.article_id, new.previous.version))
            new.change = classify(before, new.text) if before is not None else None
        rows.append([*new.row, new.change.kind if new.change else None, new.change.rule if new.change else None])
    return rows


def _text_of(item: ArticleItem) -> VersionText:
    article = item.article
    return VersionText(
        article.title, tuple(article.authors), _published_text(*_page_time(article.published_at)), article.body
    )


def _published_text(value: datetime | None, precision: str | None) -> str | None:
    """The stored published time as comparable text (UTC instant and its precision)."""
    return None if value is None else f"{_utc(value).isoformat()}/{precision}"


def _already_stored(record: _Record, item: ArticleItem, content_hash: str, seen_at: datetime) -> bool:
    if not record.versions:
        return False
    if item.warc_record_id and any(v.warc_record_id == item.warc_record_id for v in record.versions):
        return True
    return _version_at(record.versions, seen_at).content_hash == content_hash


def _version_at(versions: list[_Version], seen_at: datetime) -> _Version:
    """The version in effect at ``seen_at``: the last one seen by then, or the earliest if all are later."""
    earlier = [v for v in versions if v.seen_at <= seen_at]
    if earlier:
        return max(earlier, key=lambda v: (v.seen_at, v.version))
    return min(versions, key=lambda v: (v.seen_at, v.version))


def _update_records(cursor: psycopg.Cursor, records: Iterable[_Record]) -> None:
    records = list(records)
    currents = [max(r.versions, key=lambda v: (v.seen_at, v.version)).version if r.versions else None for r in records]
    cursor.execute(
        _UPDATE_RECORDS,
        [
            [r.id for r in records],
            [r.first_seen_at for r in records],
            [r.last_seen_at for r in records],
            currents,
            [r.etag for r in records],
            [r.last_modified for r in records],
            [r.schedule.base for r in records],
            [r.schedule.step for r in records],
            [r.next_check_at for r in records],
        ],
    )


def _version_row(article_id: int, version: int, item: ArticleItem, content_hash: str) -> tuple:
    article = item.article
    published_at, date_precision = _page_time(article.published_at)
    modified_at, modified_precision = _page_time(article.modified_at)
    return (
        article_id,
        version,
        item.warc_record_id,
        item.fetched_url,
        article.extractor,
        content_hash,
        article.title,
        list(article.authors),
        published_at,
        date_precision,
        modified_at,
        modified_precision,
        article.section,
        list(article.tags),
        article.language,
        article.summary,
        article.body,
        article.image_url,
        _utc(item.seen_at),
        item.imported_from,
    )


def _page_time(value: PageTime | None) -> tuple[datetime | None, str | None]:
    """A page time as UTC plus its precision: a date-only value is midnight UTC with precision ``day``."""
    if value is None:
        return None, None
    if isinstance(value, datetime):
        return _utc(value), "second"
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC), "day"
    raise TypeError(f"not a page time: {value!r}")


def _utc(value: datetime) -> datetime:
    # Seen-times are WARC-Dates (UTC); a naive value is taken as UTC rather than the session's time zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
