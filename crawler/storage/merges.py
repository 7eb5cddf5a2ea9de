"""The database side of WARC merges: which closed files may merge, and the one transaction that switches to a merge.

Capture rows name their file and offset; a merged file holds each small file's bytes unchanged at a known offset,
so the switch moves every row of a small file by that offset, adds the merged file's ``warc_files`` row and drops
the small files' rows, all in one transaction: readers of the database see either the small files or the merged
one, never both and never neither.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import psycopg

from crawler.warc.manifest import MergeManifest

log = logging.getLogger(__name__)

MERGE_LOCK_KEY = 0x6E65_7773_6D67  # "newsmg": one merger per database at a time (pg_try_advisory_lock)

_CLOSED = (
    "SELECT w.filename, w.path, w.size, w.records, w.closed_at FROM warc_files w"
    " WHERE w.closed_at IS NOT NULL AND w.size IS NOT NULL AND w.records IS NOT NULL"
    " AND (w.path LIKE 's3://%%') = %s AND w.size < %s"
    " AND NOT EXISTS (SELECT 1 FROM crawl_runs r WHERE r.id = w.run_id AND r.status = 'running')"
)


@dataclass(frozen=True)
class FileRow:
    filename: str
    path: str
    """A local path, or the ``s3://`` URI of the object."""
    size: int
    records: int
    closed_at: datetime


def closed_files(conn: psycopg.Connection, *, in_store: bool, below: int) -> list[FileRow]:
    """Closed, recorded WARC files smaller than ``below`` bytes whose run is over (its rows are all written)."""
    rows = conn.execute(_CLOSED, [in_store, below]).fetchall()
    return [FileRow(*row) for row in rows]


def try_merge_lock(conn: psycopg.Connection) -> bool:
    """Take the session's merge lock if free (an autocommit connection holds it until closed)."""
    return bool(conn.execute("SELECT pg_try_advisory_lock(%s)", [MERGE_LOCK_KEY]).fetchone()[0])


def switch_state(conn: psycopg.Connection, manifest: MergeManifest) -> str:
    """``before`` (every small file recorded, the merged one not), ``after`` (the reverse), or ``neither``."""
    names = [part.name for part in manifest.parts]
    rows = conn.execute("SELECT filename FROM warc_files WHERE filename = ANY(%s)", [[*names, manifest.merged]])
    present = {row[0] for row in rows.fetchall()}
    if manifest.merged not in present and present >= set(names):
        return "before"
    if manifest.merged in present and not present & set(names):
        return "after"
    return "neither"


def switch_to_merged(conn: psycopg.Connection, manifest: MergeManifest, path: str) -> bool:
    """Point every capture of the small files at the merged file ``path``, in one transaction; False when the
    database no longer matches the manifest (switched already, or a small file vanished): nothing is changed."""
    names = [part.name for part in manifest.parts]
    with conn.transaction():
        locked = conn.execute(
            "SELECT filename, run_id FROM warc_files WHERE filename = ANY(%s) ORDER BY filename FOR UPDATE", [names]
        ).fetchall()
        if len(locked) != len(names) or _recorded(conn, manifest.merged):
            return False
        for part in manifest.parts:
            conn.execute(
                "UPDATE captures SET filename = %s, record_offset = record_offset + %s WHERE filename = %s",
                [manifest.merged, part.offset, part.name],
            )
        conn.execute(
            "INSERT INTO warc_files (filename, path, size, records, closed_at) VALUES (%s, %s, %s, %s, now())",
            [manifest.merged, path, manifest.size, manifest.records],
        )
        conn.execute("DELETE FROM warc_files WHERE filename = ANY(%s)", [names])
    log.info("switched %d file(s) to %s in the database", len(names), manifest.merged)
    return True


def name_taken(conn: psycopg.Connection, filename: str) -> bool:
    return _recorded(conn, filename)


def _recorded(conn: psycopg.Connection, filename: str) -> bool:
    return conn.execute("SELECT 1 FROM warc_files WHERE filename = %s", [filename]).fetchone() is not None
