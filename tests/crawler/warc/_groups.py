"""Record groups built the way the recorder builds them, for writer and recovery tests."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.http import Headers
from warcio.recordloader import ArcWarcRecord

from crawler.warc import records


def make_group(url: str, body: bytes, kind: str = "article") -> list[ArcWarcRecord]:
    date = records.warc_date(datetime.now(UTC))
    response_id = records.new_record_id()
    head = records.response_head("HTTP/1.1", 200, [(b"Content-Type", b"text/html")], len(body))
    request_head = records.request_head("GET", url, Headers({"User-Agent": "test"}), b"")
    return [
        records.response_record(url, head, body, record_id=response_id, date=date, ip_address="127.0.0.1"),
        records.request_record(
            url, request_head, b"", record_id=records.new_record_id(), date=date, concurrent_to=response_id
        ),
        records.metadata_record(
            url,
            {"source": "test", "page-kind": kind},
            record_id=records.new_record_id(),
            date=date,
            concurrent_to=response_id,
        ),
    ]
