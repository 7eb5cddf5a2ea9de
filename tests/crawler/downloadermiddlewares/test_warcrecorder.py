"""WarcRecorderMiddleware with in-memory responses: what it records, skips, signals and counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler import signals as our_signals
from crawler.downloadermiddlewares.maxsize import TRUNCATED_META
from crawler.downloadermiddlewares.warcrecorder import WarcRecorderMiddleware
from crawler.warc.records import payload_digest

PRELOADED_BODY = b"<html>seen in an earlier run</html>"
PRELOADED = {
    payload_digest(PRELOADED_BODY): (
        "<urn:uuid:11111111-1111-1111-1111-111111111111>",
        "http://example.com/earlier",
        datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    )
}


def preload(settings) -> dict:
    assert settings.get("NEWSARCHIVE_SOURCE") == "test"
    return PRELOADED


def failing_preload(settings) -> dict:
    raise ConnectionError("database down")


class Recorder:
    """A middleware on a real crawler, collecting what its signals carry."""

    def __init__(self, tmp_path: Path, **settings: object) -> None:
        base = {"NEWSARCHIVE_WARC_DIR": str(tmp_path), "NEWSARCHIVE_SOURCE": "test", "NEWSARCHIVE_RUN_ID": "5"}
        base["NEWSARCHIVE_WARC_CDXJ"] = False  # indexing runs in the reactor thread pool: covered by test_crawl
        self.crawler = get_crawler(Spider, {**base, **settings})
        self.crawler.spider = Spider.from_crawler(self.crawler, "test")
        self.crawler.stats.open_spider()
        self.middleware = WarcRecorderMiddleware.from_crawler(self.crawler)
        self.rows: list = []
        self.closed: list = []
        self.crawler.signals.connect(self._rows, signal=our_signals.warc_records_written)
        self.crawler.signals.connect(self._closed, signal=our_signals.warc_file_closed)

    def _rows(self, rows) -> None:
        self.rows.extend(rows)

    def _closed(self, path, size, records) -> None:
        self.closed.append((path, size, records))

    def fetch(self, url: str, body: bytes = b"<html>hi</html>", status: int = 200, **kwargs) -> Request:
        flags = kwargs.pop("flags", [])
        request = Request(url, meta=kwargs.pop("meta", {}))
        response = HtmlResponse(url, status=status, body=body, flags=flags, request=request, protocol="HTTP/1.1")
        assert self.middleware.process_response(request, response) is response
        return request

    def close(self) -> list:
        self.middleware.close_archive()
        with open(self.closed[0][0], "rb") as stream:
            return [
                (record.rec_type, dict(record.rec_headers.headers), record.content_stream().read())
                for record in ArchiveIterator(stream)
            ]

    def stat(self, key: str) -> object:
        return self.crawler.stats.get_value(f"newsarchive/warc/{key}")


def test_disabled_raises_not_configured(tmp_path: Path) -> None:
    crawler = get_crawler(Spider, {"NEWSARCHIVE_WARC_ENABLED": False, "NEWSARCHIVE_WARC_DIR": str(tmp_path)})
    with pytest.raises(NotConfigured):
        WarcRecorderMiddleware.from_crawler(crawler)


def test_records_a_group_and_links_the_request(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    request = recorder.fetch("http://example.com/a", meta={"page_kind": "article"})
    assert [row.record_type for row in recorder.rows] == ["warcinfo", "response", "request", "metadata"]
    response_row = recorder.rows[1]
    assert request.meta["warc_record_id"] == response_row.record_id
    assert request.meta["warc_date"] == response_row.warc_date and request.meta["warc_date"].tzinfo is UTC
    assert {row.page_kind for row in recorder.rows[1:]} == {"article"}
    assert {(row.source, row.run_id) for row in recorder.rows} == {("test", 5)}
    records = recorder.close()
    assert [kind for kind, _, _ in records] == ["warcinfo", "response", "request", "metadata"]
    assert recorder.closed[0][2] == 4 and recorder.closed[0][1] == recorder.closed[0][0].stat().st_size
    assert b"page-kind: article" in records[3][2] and b"source: test" in records[3][2]
    assert (recorder.stat("records"), recorder.stat("files")) == (4, 1)
    assert recorder.stat("bytes") == recorder.closed[0][1]


def test_cached_responses_are_not_recorded(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    request = recorder.fetch("http://example.com/a", flags=["cached"], meta={"warc_record_id": "<stale>"})
    assert recorder.rows == [] and "warc_record_id" not in request.meta
    data = Request("data:text/plain,hello")
    recorder.middleware.process_response(data, Response("data:text/plain,hello", body=b"hello", request=data))
    assert recorder.rows == []
    recorder.middleware.close_archive()
    assert list(tmp_path.iterdir()) == []


def test_revisits_only_for_2xx_with_a_body(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    recorder.fetch("http://example.com/a", b"same")
    recorder.fetch("http://example.com/b", b"same")
    recorder.fetch("http://example.com/c", b"same", status=404)
    recorder.fetch("http://example.com/d", b"")
    recorder.fetch("http://example.com/e", b"")
    kinds = [row.record_type for row in recorder.rows if row.record_type in ("response", "revisit")]
    assert kinds == ["response", "revisit", "response", "response", "response"]
    revisit = next(row for row in recorder.rows if row.record_type == "revisit")
    assert revisit.refers_to == recorder.rows[1].record_id
    assert revisit.payload_digest == recorder.rows[1].payload_digest
    assert recorder.stat("revisits") == 1


def test_truncated_bodies_are_neither_originals_nor_revisits(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    recorder.fetch("http://example.com/a", b"part", flags=["download_stopped"], meta={TRUNCATED_META: "length"})
    request = recorder.fetch("http://example.com/b", b"part", flags=["dataloss"])
    assert TRUNCATED_META not in request.meta
    recorder.fetch("http://example.com/c", b"part", flags=["download_stopped"])
    recorder.fetch("http://example.com/d", b"part")
    assert [row.record_type for row in recorder.rows[1::3]] == ["response"] * 4
    records = recorder.close()
    truncated = [headers.get("WARC-Truncated") for kind, headers, _ in records if kind == "response"]
    assert truncated == ["length", "disconnect", "unspecified", None]
    assert recorder.stat("truncated") == 3


def test_preloaded_digests_become_revisits(tmp_path: Path) -> None:
    loader = "tests.crawler.downloadermiddlewares.test_warcrecorder.preload"
    recorder = Recorder(tmp_path, NEWSARCHIVE_WARC_DEDUP_LOADER=loader)
    recorder.fetch("http://example.com/now", PRELOADED_BODY)
    records = recorder.close()
    kind, headers, body = records[1]
    assert (kind, body) == ("revisit", b"")
    assert headers["WARC-Refers-To"] == "<urn:uuid:11111111-1111-1111-1111-111111111111>"
    assert headers["WARC-Refers-To-Target-URI"] == "http://example.com/earlier"
    assert headers["WARC-Refers-To-Date"] == "2024-01-02T03:04:05.678901Z"
    assert headers["WARC-Payload-Digest"] == payload_digest(PRELOADED_BODY)


def test_a_failing_preload_does_not_stop_recording(tmp_path: Path) -> None:
    loader = "tests.crawler.downloadermiddlewares.test_warcrecorder.failing_preload"
    recorder = Recorder(tmp_path, NEWSARCHIVE_WARC_DEDUP_LOADER=loader)
    recorder.fetch("http://example.com/now", PRELOADED_BODY)
    assert recorder.rows[1].record_type == "response"


def test_page_kinds(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    recorder.fetch("http://example.com/robots.txt", meta={"dont_obey_robotstxt": True})
    recorder.fetch("http://example.com/x", meta={"page_kind": "bogus"})
    recorder.fetch("http://example.com/feed/", meta={"page_kind": "feed"})
    assert [row.page_kind for row in recorder.rows[1::3]] == ["robots", "other", "feed"]


def test_plain_response_without_protocol_or_ip(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    request = Request("http://example.com/plain")
    response = Response("http://example.com/plain", body=b"x", request=request)
    recorder.middleware.process_response(request, response)
    recorder.middleware.close_archive()
    with open(recorder.closed[0][0], "rb") as stream:
        response_record = list(ArchiveIterator(stream))[1]
        assert response_record.http_headers.protocol == "HTTP/1.1"
        assert response_record.http_headers.statusline == "200 OK"
        assert response_record.rec_headers.get_header("WARC-IP-Address") is None
