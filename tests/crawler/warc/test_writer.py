"""The rotating writer: `.open` under flock, warcinfo first, rotation between groups, rows that match the file."""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

import pytest

from crawler.warc.reader import read_capture_rows
from crawler.warc.writer import WarcFileWriter
from tests.crawler.warc._groups import make_group
from tests.crawler.warc._tools import assert_valid_warc, warcio_offsets

NAME = re.compile(r"^test-\d{17}-(\d{5})-[A-Za-z0-9._-]+\.warc\.gz$")


def make_writer(directory: Path, **kwargs: object) -> WarcFileWriter:
    options = {"warcinfo": {"operator": "tests"}, "source": "test", "run_id": 3, **kwargs}
    return WarcFileWriter(directory, "test", **options)


def test_open_file_is_locked_then_closed_under_final_name(tmp_path: Path) -> None:
    writer = make_writer(tmp_path)
    rows = writer.write_group(make_group("http://example.com/a", b"<p>a</p>" * 100), "article")
    open_path = writer.current_path
    assert open_path is not None and open_path.name.endswith(".warc.gz.open")
    assert [p.name for p in tmp_path.iterdir()] == [open_path.name]
    with open(open_path, "rb") as other, pytest.raises(BlockingIOError):
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    closed = writer.close()
    assert closed is not None and closed.records == 4 and closed.size == closed.path.stat().st_size
    assert not open_path.exists()
    assert NAME.match(closed.path.name)
    assert {row.filename for row in rows} == {closed.path.name}
    assert [row.record_type for row in rows] == ["warcinfo", "response", "request", "metadata"]
    assert writer.close() is None
    assert_valid_warc(closed.path)


def test_rows_match_warcio_offsets_and_reading_back(tmp_path: Path) -> None:
    writer = make_writer(tmp_path, gzip_level=1)
    rows = []
    for number in range(5):
        rows += writer.write_group(make_group(f"http://example.com/{number}", os.urandom(3000), "listing"), "listing")
    closed = writer.close()
    found = warcio_offsets(closed.path)
    assert [(r.offset, r.length, r.record_type, r.record_id) for r in rows] == found
    assert read_capture_rows(closed.path) == rows
    response = rows[1]
    assert (response.status, response.mime, response.source, response.run_id, response.page_kind) == (
        200,
        "text/html",
        "test",
        3,
        "listing",
    )
    assert response.payload_digest.startswith("sha1:")


def test_warcinfo_first_and_without_secrets(tmp_path: Path) -> None:
    writer = make_writer(tmp_path, warcinfo={"operator": "tests", "robots": "obey"})
    writer.write_group(make_group("http://example.com/", b"x"))
    data = _decompressed(writer.close().path)
    assert data.startswith(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n")
    info = data.split(b"\r\n\r\n", 2)[1]
    assert b"source: test\r\nrun-id: 3\r\noperator: tests\r\nrobots: obey" in info
    assert b"postgres" not in data.lower() and b"password" not in data.lower()


def test_rotation_never_splits_a_group(tmp_path: Path) -> None:
    writer = make_writer(tmp_path, max_file_size=20_000, gzip_level=0)
    rows = []
    for number in range(12):
        rows += writer.write_group(make_group(f"http://example.com/{number}", os.urandom(4000)))
    writer.close()
    files = sorted(tmp_path.iterdir())
    assert len(files) >= 3 and len(writer.closed_files) == len(files)
    serials = [int(NAME.match(path.name).group(1)) for path in files]
    assert serials == list(range(len(files)))
    for path in files:
        kinds = [kind for _, _, kind, _ in warcio_offsets(path)]
        assert kinds[0] == "warcinfo"
        assert kinds[1:] == ["response", "request", "metadata"] * ((len(kinds) - 1) // 3)
        assert path.stat().st_size <= 20_000
        assert_valid_warc(path)
    assert sorted({row.filename for row in rows}) == [path.name for path in files]


def test_a_group_bigger_than_the_limit_gets_a_file_of_its_own(tmp_path: Path) -> None:
    writer = make_writer(tmp_path, max_file_size=1000, gzip_level=0)
    writer.write_group(make_group("http://example.com/1", os.urandom(5000)))
    writer.write_group(make_group("http://example.com/2", os.urandom(5000)))
    writer.close()
    assert len(list(tmp_path.iterdir())) == 2


def test_gzip_level_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        make_writer(tmp_path, gzip_level=10)


def _decompressed(path: Path) -> bytes:
    import gzip

    return gzip.decompress(path.read_bytes())
