"""The captures index: where every WARC record is (file, offset, length), closed files, and dedup look-ups."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import surt

from crawler.errors import DatabaseUnavailable
from crawler.storage import partitions
from crawler.storage.capturerule import EMPTY_PAYLOAD_DIGEST, keeps_row
from crawler.storage.database import connect
from crawler.warc.capture import CaptureRow
from crawler.warc.manifest import without_superseded
from crawler.warc.reader import file_source, read_capture_rows
from crawler.warc.recovery import RecoveredFile

log = logging.getLogger(__name__)

RevisitTarget = tuple[str, str, datetime]
"""(record id, target URI, WARC-Date) of the original response a revisit refers to."""

_INSERT = (
    "INSERT INTO captures (filename, record_offset, record_length, record_id, record_type, surt, url, captured_at,"
    " status, mime, payload_digest, refers_to, concurrent_to, source, page_kind, run_id)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (record_id, captured_at) DO NOTHING"
)

_ORIGINALS = (
    "SELECT DISTINCT ON (payload_digest) payload_digest, record_id, url, captured_at FROM captures"
    " WHERE record_type = 'response' AND status BETWEEN 200 AND 299 AND payload_digest IS NOT NULL"
    " AND payload_digest <> %s AND url IS NOT NULL"
)


_INDEXED = "SELECT filename FROM warc_files WHERE filename = ANY(%s) AND records IS NOT NULL"


class CaptureStore:
    """Writes and reads the captures index on one connection; each write is its own transaction.

    Only the records :func:`crawler.storage.capturerule.keeps_row` names get a row. A file's ``warc_files`` row
    is written after all of its rows are (each caller indexes a file's records before closing it), so a file
    with a row is fully indexed and one without is indexed again from the file.
    """

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def add_captures(self, rows: Sequence[CaptureRow]) -> int:
        """Index those of ``rows`` the rule keeps; records already indexed (a recovery re-indexing a file) are left
        alone. How many new."""
        kept = [row for row in rows if keeps_row(row)]
        if not kept:
            return 0
        return partitions.writing(self.conn, "captures", [row.warc_date for row in kept], lambda: self._insert(kept))

    def _insert(self, rows: Sequence[CaptureRow]) -> int:
        with self.conn.transaction(), self.conn.cursor() as cursor:
            cursor.executemany(_INSERT, [_values(row) for row in rows])
            return max(cursor.rowcount, 0)

    def index_recovered(self, recovered: Sequence[RecoveredFile]) -> int:
        """Bring the index in step with files a crash left open: rows past each cut go, complete records come in."""
        added = 0
        for item in recovered:
            self.drop_beyond(item.path.name, 0 if item.removed else item.size)
            if item.removed:
                continue
            added += self.add_captures(item.rows)
            self.file_closed(item.path.name, item.path, item.size, len(item.rows))
        return added

    def drop_beyond(self, filename: str, size: int) -> int:
        """Forget captures that point past ``size`` bytes of ``filename`` (cut by recovery). How many."""
        with self.conn.transaction():
            return self.conn.execute(
                "DELETE FROM captures WHERE filename = %s AND record_offset + record_length > %s", [filename, size]
            ).rowcount

    def file_closed(self, filename: str, path: str | Path, size: int, records: int, run_id: int | None = None) -> None:
        """Record a closed WARC file (idempotent: a recovery may close it again)."""
        with self.conn.transaction():
            self.conn.execute(
                "INSERT INTO warc_files (filename, path, size, records, closed_at, run_id)"
                " VALUES (%s, %s, %s, %s, now(), %s)"
                " ON CONFLICT (filename) DO UPDATE SET path = excluded.path, size = excluded.size,"
                " records = excluded.records, closed_at = excluded.closed_at,"
                " run_id = coalesce(excluded.run_id, warc_files.run_id)",
                [filename, str(path), size, records, run_id],
            )

    def file_stored(self, filename: str, uri: str) -> None:
        """A spooled WARC is now in the object store: its row points readers at the object."""
        with self.conn.transaction():
            self.conn.execute("UPDATE warc_files SET path = %s WHERE filename = %s", [uri, filename])

    def revisit_target(self, payload_digest: str) -> RevisitTarget | None:
        """The earliest 2xx response with a non-empty body and this payload digest, if any."""
        row = self.conn.execute(
            _ORIGINALS + " AND payload_digest = %s ORDER BY payload_digest, captured_at, id",
            [EMPTY_PAYLOAD_DIGEST, payload_digest],
        ).fetchone()
        return None if row is None else (row[1], row[2], row[3])

    def load_digests(self, source: str) -> dict[str, RevisitTarget]:
        """Every revisit target of ``source``'s captures by payload digest (the WARC writer's dedup table)."""
        rows = self.conn.execute(
            _ORIGINALS + " AND source = %s ORDER BY payload_digest, captured_at, id",
            [EMPTY_PAYLOAD_DIGEST, source],
        ).fetchall()
        return {digest: (record_id, url, warc_date) for digest, record_id, url, warc_date in rows}

    def unindexed_files(self, paths: Sequence[Path]) -> list[Path]:
        """Those of ``paths`` (closed files) not recorded in ``warc_files``: their rows may be missing."""
        if not paths:
            return []
        complete = {row[0] for row in self.conn.execute(_INDEXED, [[path.name for path in paths]]).fetchall()}
        return [path for path in paths if path.name not in complete]

    def index_files(self, paths: Sequence[Path]) -> int:
        """Index every complete record of closed files and record the files; how many captures were new."""
        added = 0
        for path in paths:
            rows = read_capture_rows(path)
            added += self.add_captures(rows)
            run_id = next((row.run_id for row in rows if row.run_id is not None), None)
            self.file_closed(path.name, path, path.stat().st_size, len(rows), run_id)
        return added

    def record_ids(self, filename: str) -> set[str]:
        """Record ids indexed for one WARC file (recovery indexes the rest)."""
        rows = self.conn.execute("SELECT record_id FROM captures WHERE filename = %s", [filename]).fetchall()
        return {row[0] for row in rows}


def load_dedup_index(settings: Any) -> dict[str, RevisitTarget]:
    """The WARC recorder's ``NEWSARCHIVE_WARC_DEDUP_LOADER``: revisit targets of the crawled source's captures.

    ``settings`` are Scrapy settings with ``NEWSARCHIVE_DATABASE_URL`` and ``NEWSARCHIVE_SOURCE``; an unreachable
    database gives an empty index (a crawl without revisits, not a failed crawl).
    """
    url, source = settings.get("NEWSARCHIVE_DATABASE_URL"), settings.get("NEWSARCHIVE_SOURCE")
    if not url or not source:
        return {}
    try:
        with connect(url) as conn:
            return CaptureStore(conn).load_digests(source)
    except DatabaseUnavailable as error:
        log.warning("revisit index not loaded: %s", error)
        return {}


def index_unrecorded(store: CaptureStore, directory: Path, source: str) -> int:
    """Index ``source``'s closed WARC files that a database outage left out of the index; how many captures.

    A crawl whose database went away kept writing WARCs, but their captures (and the files' rows) never reached the
    index. The next run of the source, holding its lock, brings them in before it starts. Files of other sources
    (perhaps being recorded right now by their own crawl) are left to their own next run.
    """
    # A merge cut short after its switch leaves small files its merged file holds: they are indexed already.
    current = without_superseded(sorted(directory.rglob("*.warc.gz")), directory)
    candidates = store.unindexed_files(current)
    mine = [path for path in candidates if file_source(path) == source]
    added = store.index_files(mine)
    if mine:
        log.warning("indexed %d captures of %d WARC file(s) written while the database was away", added, len(mine))
    return added


def surt_key(url: str | None) -> str | None:
    """The SURT key pywb and cdxj-indexer sort by; None when the URL cannot be canonicalised."""
    if not url:
        return None
    try:
        return surt.surt(url)
    except (ValueError, TypeError, AttributeError):
        log.debug("no SURT for %r", url)
        return None


def _values(row: CaptureRow) -> tuple[object, ...]:
    return (
        row.filename,
        row.offset,
        row.length,
        row.record_id,
        row.record_type,
        surt_key(row.target_uri),
        row.target_uri,
        row.warc_date,
        row.status,
        row.mime,
        row.payload_digest,
        row.refers_to,
        row.concurrent_to,
        row.source,
        row.page_kind,
        row.run_id,
    )
