"""Closed WARC files a database outage kept out of the captures index are indexed by the source's next run."""

from __future__ import annotations

from pathlib import Path

from crawler.storage.captures import CaptureStore, index_unrecorded
from crawler.warc.writer import WarcFileWriter
from tests.crawler.warc._groups import make_group


def write_file(directory: Path, source: str, pages: int) -> Path:
    writer = WarcFileWriter(directory, "test", warcinfo={}, source=source, run_id=7)
    for page in range(pages):
        writer.write_group(make_group(f"http://example.com/{source}-{page}/", b"page %d" % page))
    closed = writer.close()
    assert closed is not None
    return closed.path


def captures(conn, filename: str) -> int:
    return conn.execute("SELECT count(*) FROM captures WHERE filename = %s", [filename]).fetchone()[0]


def test_only_the_sources_own_unrecorded_files_are_indexed_once(tmp_path: Path, db_conn) -> None:
    mine, other = write_file(tmp_path, "a", 2), write_file(tmp_path / "sub", "b", 1)
    store = CaptureStore(db_conn)

    # The two responses: warcinfo, requests and metadata get no row (crawler.storage.capturerule), the CDXJ has them.
    assert index_unrecorded(store, tmp_path, "a") == 2
    assert captures(db_conn, mine.name) == 2 and captures(db_conn, other.name) == 0
    files = db_conn.execute("SELECT filename, records, run_id FROM warc_files").fetchall()
    assert files == [(mine.name, 7, 7)]
    assert index_unrecorded(store, tmp_path, "a") == 0


def test_a_recorded_file_is_not_read_again(tmp_path: Path, db_conn) -> None:
    """A file's row is written only after all its rows (the capture store leaves it out when some failed), so a
    recorded file is complete: nobody reads it again to count its rows."""
    path = write_file(tmp_path, "a", 2)
    store = CaptureStore(db_conn)
    assert store.unindexed_files([path]) == [path]
    assert index_unrecorded(store, tmp_path, "a") == 2
    assert store.unindexed_files([path]) == []
    assert index_unrecorded(store, tmp_path, "a") == 0
