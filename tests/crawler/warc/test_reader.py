"""Reading WARC files for a replay: every record with its warcio offset, damage reported once and skipped."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.warc.reader import BadRecord, RecordLocation, WarcRecord, iter_file, read_at
from tests.crawler.replay.warcs import WarcBuilder, article_pages

MOMENT = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def write_pages(directory: Path, count: int = 3) -> Path:
    builder = WarcBuilder(directory)
    for url, html in article_pages(count):
        builder.page(url, html, MOMENT, encode=True)
    return builder.close()


def warcio_offsets(path: Path) -> list[tuple[int, str]]:
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream)
        return [(iterator.get_record_offset(), record.rec_type) for record in iterator]


def test_every_record_with_warcio_offsets_and_stored_payload(tmp_path: Path) -> None:
    path = write_pages(tmp_path)
    events = list(iter_file(path))
    assert all(isinstance(event, WarcRecord) for event in events)
    assert [(event.offset, event.rec_type) for event in events] == warcio_offsets(path)
    responses = [event for event in events if event.rec_type == "response"]
    html = dict(article_pages(3))
    for response in responses:
        # Stored as sent: still gzip-encoded, headers byte for byte.
        assert gzip.decompress(response.payload) == html[response.header("WARC-Target-URI")]
        assert (b"Content-Encoding", b"gzip") in response.http_headers
        assert response.status == 200
    again = read_at(RecordLocation(path, responses[1].offset))
    assert isinstance(again, WarcRecord) and again.payload == responses[1].payload


def test_a_corrupt_record_in_the_middle_is_reported_once_and_the_rest_read(tmp_path: Path) -> None:
    path = write_pages(tmp_path)
    records = [event for event in iter_file(path) if isinstance(event, WarcRecord)]
    victim = [record for record in records if record.rec_type == "response"][1]
    data = bytearray(path.read_bytes())
    middle = victim.offset + victim.length // 2
    data[middle : middle + 40] = b"\x00" * 40
    path.write_bytes(bytes(data))

    events = list(iter_file(path))
    bad = [event for event in events if isinstance(event, BadRecord)]
    assert len(bad) == 1 and bad[0].offset == victim.offset
    read = [event.offset for event in events if isinstance(event, WarcRecord)]
    assert read == [record.offset for record in records if record.offset != victim.offset]


def test_a_cut_off_tail_is_reported(tmp_path: Path) -> None:
    path = write_pages(tmp_path, 2)
    records = [event for event in iter_file(path) if isinstance(event, WarcRecord)]
    last = records[-1]
    path.write_bytes(path.read_bytes()[: last.offset + last.length // 2])
    events = list(iter_file(path))
    assert isinstance(events[-1], BadRecord) and events[-1].offset == last.offset
    assert [event.offset for event in events[:-1]] == [record.offset for record in records[:-1]]


def test_chunked_framing_kept_by_a_foreign_writer_is_removed(tmp_path: Path) -> None:
    builder = WarcBuilder(tmp_path)
    chunked = b"5\r\n<html\r\n7\r\n>hi</p>\r\n0\r\n\r\n"
    builder.page(
        "https://news.example/a/",
        chunked,
        MOMENT,
        extra_headers=[(b"Transfer-Encoding", b"chunked")],
        foreign_framing=True,
    )
    path = builder.close()
    response = next(event for event in iter_file(path) if event.rec_type == "response")
    assert response.payload == b"<html>hi</p>"


def test_an_uncompressed_warc_is_read_too(tmp_path: Path) -> None:
    path = write_pages(tmp_path, 2)
    plain = tmp_path / "plain.warc"
    with gzip.open(path, "rb") as stream:
        plain.write_bytes(stream.read())
    expected = [(event.rec_type, event.record_id, event.payload) for event in iter_file(path)]
    assert [(event.rec_type, event.record_id, event.payload) for event in iter_file(plain)] == expected
