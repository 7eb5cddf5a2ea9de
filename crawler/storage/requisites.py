"""What the archive already holds of a source's page requisites: when each was last answered, and its validators.

No table of its own: the captures index is the record (each requisite fetch is a capture with page kind
``requisite``, a 304 included), so ``replay`` and ``archive recover``, which rebuild captures from the WARCs,
rebuild this too. Validators (ETag, Last-Modified) are read from the archived response itself when a stale
requisite is asked again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg

from crawler.errors import DatabaseUnavailable
from crawler.storage.database import connect
from crawler.warc.reader import RecordLocation, WarcRecord, read_at

log = logging.getLogger(__name__)

KNOWN_ANSWERS = "(c.status BETWEEN 200 AND 299 OR c.status IN (304, 404, 410))"
"""Answers that settle a requisite for its freshness period: its bytes, "unchanged", or "not on the site"."""

_LOAD = (
    "SELECT c.url, max(c.captured_at),"
    " (array_agg(w.path ORDER BY c.captured_at DESC) FILTER (WHERE c.status BETWEEN 200 AND 299))[1],"
    " (array_agg(c.record_offset ORDER BY c.captured_at DESC) FILTER (WHERE c.status BETWEEN 200 AND 299))[1]"
    " FROM captures c LEFT JOIN warc_files w ON w.filename = c.filename"
    " WHERE c.source = %s AND c.page_kind = 'requisite' AND c.record_type IN ('response', 'revisit')"
    f" AND c.url IS NOT NULL AND {KNOWN_ANSWERS} GROUP BY c.url"
)


@dataclass(frozen=True)
class ArchivedRequisite:
    """A requisite URL's last known answer and where its last full response (with validators) is archived."""

    answered_at: datetime
    location: RecordLocation | None
    """The last 2xx response or revisit (None: only 304/404 answers, or a file not on local disk)."""


def load_requisites(conn: psycopg.Connection, source: str) -> dict[str, ArchivedRequisite]:
    """Every requisite URL archived for ``source`` with its last answer."""
    rows = conn.execute(_LOAD, [source]).fetchall()
    return {url: ArchivedRequisite(answered, _location(path, offset)) for url, answered, path, offset in rows}


def load_for_crawl(database_url: str | None, source: str | None) -> dict[str, ArchivedRequisite]:
    """:func:`load_requisites` for a crawl; without a database (or when it is down) nothing is known."""
    if not database_url or not source:
        return {}
    try:
        with connect(database_url) as conn:
            return load_requisites(conn, source)
    except DatabaseUnavailable as error:
        log.warning("archived requisites not loaded (each is fetched again): %s", error)
        return {}


def validators(requisite: ArchivedRequisite) -> dict[str, str]:
    """``If-None-Match`` / ``If-Modified-Since`` from the archived response's ETag and Last-Modified."""
    if requisite.location is None:
        return {}
    try:
        record = read_at(requisite.location)
    except OSError as error:
        log.debug("validators of %s not read: %s", requisite.location, error)
        return {}
    if not isinstance(record, WarcRecord):
        return {}
    headers = {}
    if etag := record.http_header(b"ETag"):
        headers["If-None-Match"] = etag.decode("latin-1")
    if modified := record.http_header(b"Last-Modified"):
        headers["If-Modified-Since"] = modified.decode("latin-1")
    return headers


def _location(path: str | None, offset: int | None) -> RecordLocation | None:
    if not path or offset is None or "://" in path:
        return None  # an object store's file: asked again without validators rather than downloaded to read them
    return RecordLocation(Path(path), offset)
