"""Finding a revisit record's original response (its payload) in the archive: this replay's files, then the index."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import psycopg

from crawler.warc.reader import BadRecord, RecordLocation, WarcRecord, read_at
from crawler.warc.records import parse_warc_date

log = logging.getLogger(__name__)

_BY_ID = "SELECT filename, record_offset FROM captures WHERE record_id = %s AND record_type = 'response'"
_BY_TARGET = (
    "SELECT filename, record_offset FROM captures WHERE record_type = 'response' AND payload_digest = %s"
    " AND url = %s AND captured_at = %s ORDER BY id LIMIT 1"
)


class OriginalFinder:
    """Where originals are: records read by this replay (remembered as they pass), else the captures index.

    A revisit always follows its original in time, and a replay reads files oldest first, so the original has
    been read (and indexed) by the time its revisit comes, unless it is in a file outside this replay.
    """

    def __init__(self, conn: psycopg.Connection, files: Iterable[Path], search_dirs: Iterable[Path] = ()) -> None:
        self.conn = conn
        self._seen: dict[str, RecordLocation] = {}
        self._paths = {path.name: path for path in files}
        self._search_dirs = [Path(directory) for directory in search_dirs]

    def remember(self, record: WarcRecord, path: Path) -> None:
        """Note a response that a later revisit may point at (only 2xx with a body can be revisit targets)."""
        status = record.status
        if record.indexable and record.payload and status is not None and 200 <= status < 300 and record.record_id:
            self._seen[record.record_id] = RecordLocation(path, record.offset)

    def original(self, revisit: WarcRecord) -> WarcRecord | str:
        """The original response record of ``revisit``, or why it cannot be had."""
        location = self._locate(revisit)
        if location is None:
            return f"original {revisit.header('WARC-Refers-To') or '(no WARC-Refers-To)'} not in the archive"
        found = read_at(location)
        place = f"{location.path.name}@{location.offset}"
        if isinstance(found, BadRecord):
            return f"original at {place} unreadable: {found.reason}"
        digest = revisit.header("WARC-Payload-Digest")
        if digest and found.header("WARC-Payload-Digest") not in (None, digest):
            return f"original at {place} has another payload digest"
        return found

    def _locate(self, revisit: WarcRecord) -> RecordLocation | None:
        refers_to = revisit.header("WARC-Refers-To")
        if refers_to and refers_to in self._seen:
            return self._seen[refers_to]
        row = self._index_row(revisit, refers_to)
        if row is None:
            return None
        filename, offset = row
        path = self._path(filename)
        return None if path is None else RecordLocation(path, offset)

    def _index_row(self, revisit: WarcRecord, refers_to: str | None) -> tuple[str, int] | None:
        if refers_to:
            row = self.conn.execute(_BY_ID, [refers_to]).fetchone()
            if row:
                return row
        target = revisit.header("WARC-Refers-To-Target-URI")
        date = revisit.header("WARC-Refers-To-Date")
        digest = revisit.header("WARC-Payload-Digest")
        if not (target and date and digest):
            return None
        return self.conn.execute(_BY_TARGET, [digest, target, _date(date)]).fetchone()

    def _path(self, filename: str) -> Path | None:
        if filename in self._paths:
            return self._paths[filename]
        row = self.conn.execute("SELECT path FROM warc_files WHERE filename = %s", [filename]).fetchone()
        candidates = [Path(row[0])] if row else []
        candidates += [directory / filename for directory in self._search_dirs]
        for candidate in candidates:
            if candidate.is_file():
                self._paths[filename] = candidate
                return candidate
        for directory in self._search_dirs:
            for candidate in directory.rglob(filename):
                self._paths[filename] = candidate
                return candidate
        return None


def _date(value: str) -> datetime | None:
    try:
        return parse_warc_date(value)
    except ValueError:
        return None
