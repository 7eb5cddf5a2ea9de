"""Byte-level tests of the record builder, with fixed record ids and dates (as warcio's own tests do)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from io import BytesIO

import pytest
from scrapy.http import Headers
from warcio.archiveiterator import ArchiveIterator

from crawler.warc import records

DATE = records.warc_date(datetime(2024, 3, 1, 12, 30, 45, 123456, tzinfo=UTC))
RESPONSE_ID = "<urn:uuid:00000000-0000-0000-0000-000000000001>"
REQUEST_ID = "<urn:uuid:00000000-0000-0000-0000-000000000002>"
METADATA_ID = "<urn:uuid:00000000-0000-0000-0000-000000000003>"
REVISIT_ID = "<urn:uuid:00000000-0000-0000-0000-000000000004>"
RECEIVED = [
    (b"Content-Type", b"text/html; charset=utf-8"),
    (b"Content-Length", b"999"),
    (b"Transfer-Encoding", b"chunked"),
    (b"Connection", b"keep-alive"),
    (b"Keep-Alive", b"timeout=5"),
    (b"Set-Cookie", b"a=1"),
    (b"Set-Cookie", b"b=2"),
    (b"X-Note", "café crème".encode("latin-1")),
]
HTTP_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Set-Cookie: a=1\r\n"
    b"Set-Cookie: b=2\r\n"
    b"X-Note: caf\xe9 cr\xe8me\r\n"
    b"Content-Length: 11\r\n"
    b"\r\n"
)


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def unzip_one_member(blob: bytes) -> bytes:
    inflater = zlib.decompressobj(31)
    data = inflater.decompress(blob)
    assert inflater.eof and inflater.unused_data == b"", "exactly one gzip member per record"
    return data


def test_response_record_bytes() -> None:
    head = records.response_head("HTTP/1.1", 200, RECEIVED, 11)
    record = records.response_record(
        "http://example.com/a", head, b"hello world", record_id=RESPONSE_ID, date=DATE, ip_address="192.0.2.1"
    )
    block = HTTP_HEAD + b"hello world"
    expected = (
        b"WARC/1.1\r\n"
        b"WARC-Type: response\r\n"
        b"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
        b"WARC-Date: 2024-03-01T12:30:45.123456Z\r\n"
        b"WARC-Target-URI: http://example.com/a\r\n"
        b"WARC-Payload-Digest: sha1:FKXGYNOJJ7H3IFO35FPUBC445EPOQRXN\r\n"
        b"WARC-IP-Address: 192.0.2.1\r\n"
        b"WARC-Block-Digest: " + sha1_b32(block).encode() + b"\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: " + str(len(block)).encode() + b"\r\n"
        b"\r\n" + block + b"\r\n\r\n"
    )
    assert unzip_one_member(records.serialize_record(record, 6)) == expected
    assert records.payload_digest(b"hello world") == sha1_b32(b"hello world")


def test_truncated_response_is_marked() -> None:
    head = records.response_head("HTTP/1.0", 200, [], 4)
    record = records.response_record(
        "http://example.com/", head, b"part", record_id=RESPONSE_ID, date=DATE, truncated="length"
    )
    data = gzip.decompress(records.serialize_record(record, 6))
    assert b"\r\nWARC-Truncated: length\r\n" in data
    assert b"\r\n\r\nHTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\npart\r\n\r\n" in data


def test_reason_phrase_for_unknown_status() -> None:
    assert records.response_head(None, 599, [], 0).to_ascii_bytes().startswith(b"HTTP/1.1 599 Unknown\r\n")
    assert records.response_head("HTTP/1.1", 404, [], 0).to_ascii_bytes().startswith(b"HTTP/1.1 404 Not Found\r\n")
    assert records.response_head("h2", 200, [], 0).to_ascii_bytes().startswith(b"HTTP/1.1 200 OK\r\n")
    assert records.response_head("HTTP/1.0", 200, [], 0).to_ascii_bytes().startswith(b"HTTP/1.0 200 OK\r\n")


def test_revisit_record_bytes() -> None:
    head = records.response_head("HTTP/1.1", 200, RECEIVED, 11)
    record = records.revisit_record(
        "http://example.com/b",
        head,
        record_id=REVISIT_ID,
        date=DATE,
        digest=records.payload_digest(b"hello world"),
        refers_to=RESPONSE_ID,
        refers_to_uri="http://example.com/a",
        refers_to_date="2024-02-01T00:00:00.000000Z",
    )
    expected = (
        b"WARC/1.1\r\n"
        b"WARC-Type: revisit\r\n"
        b"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000004>\r\n"
        b"WARC-Date: 2024-03-01T12:30:45.123456Z\r\n"
        b"WARC-Target-URI: http://example.com/b\r\n"
        b"WARC-Profile: http://netpreserve.org/warc/1.1/revisit/identical-payload-digest\r\n"
        b"WARC-Refers-To-Target-URI: http://example.com/a\r\n"
        b"WARC-Refers-To-Date: 2024-02-01T00:00:00.000000Z\r\n"
        b"WARC-Payload-Digest: sha1:FKXGYNOJJ7H3IFO35FPUBC445EPOQRXN\r\n"
        b"WARC-Refers-To: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
        b"WARC-Block-Digest: " + sha1_b32(HTTP_HEAD).encode() + b"\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: " + str(len(HTTP_HEAD)).encode() + b"\r\n"
        b"\r\n" + HTTP_HEAD + b"\r\n\r\n"
    )
    assert unzip_one_member(records.serialize_record(record, 6)) == expected


def test_request_record_bytes_get() -> None:
    head = records.request_head(
        "GET", "http://example.com/a?x=1#frag", Headers({"User-Agent": "ua", "Accept": "*/*"}), b""
    )
    record = records.request_record(
        "http://example.com/a?x=1", head, b"", record_id=REQUEST_ID, date=DATE, concurrent_to=RESPONSE_ID
    )
    block = b"GET /a?x=1 HTTP/1.1\r\nUser-Agent: ua\r\nAccept: */*\r\nHost: example.com\r\n\r\n"
    expected = (
        b"WARC/1.1\r\n"
        b"WARC-Type: request\r\n"
        b"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000002>\r\n"
        b"WARC-Date: 2024-03-01T12:30:45.123456Z\r\n"
        b"WARC-Target-URI: http://example.com/a?x=1\r\n"
        b"WARC-Concurrent-To: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
        b"WARC-Payload-Digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ\r\n"
        b"WARC-Block-Digest: " + sha1_b32(block).encode() + b"\r\n"
        b"Content-Type: application/http; msgtype=request\r\n"
        b"Content-Length: " + str(len(block)).encode() + b"\r\n"
        b"\r\n" + block + b"\r\n\r\n"
    )
    assert unzip_one_member(records.serialize_record(record, 6)) == expected


def test_request_head_post_and_ports() -> None:
    headers = Headers({"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "ua"})
    head = records.request_head("POST", "https://example.com:8443/form", headers, b"a=1")
    assert head.to_ascii_bytes() == (
        b"POST /form HTTP/1.1\r\n"
        b"Content-Length: 3\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"User-Agent: ua\r\n"
        b"Host: example.com:8443\r\n\r\n"
    )
    empty_post = records.request_head("POST", "http://example.com/", Headers(), b"").to_ascii_bytes()
    assert empty_post == b"POST / HTTP/1.1\r\nContent-Length: 0\r\nHost: example.com\r\n\r\n"


def test_metadata_record_has_no_payload_digest() -> None:
    fields = {"source": "khaama", "page-kind": "article", "run-id": 7, "via": None}
    record = records.metadata_record(
        "http://example.com/a", fields, record_id=METADATA_ID, date=DATE, concurrent_to=RESPONSE_ID
    )
    data = gzip.decompress(records.serialize_record(record, 6))
    assert b"WARC-Payload-Digest" not in data
    assert b"WARC-Concurrent-To: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n" in data
    assert b"Content-Type: application/warc-fields\r\n" in data
    assert data.endswith(b"\r\n\r\nsource: khaama\r\npage-kind: article\r\nrun-id: 7\r\n\r\n\r\n")


def test_gzip_level_changes_size_not_content() -> None:
    body = b"<p>News paragraph with words.</p>\n" * 2000

    def record():  # a record's payload stream is read once when serialised
        head = records.response_head("HTTP/1.1", 200, [], len(body))
        return records.response_record("http://example.com/", head, body, record_id=RESPONSE_ID, date=DATE)

    fast, best = records.serialize_record(record(), 1), records.serialize_record(record(), 9)
    assert fast != best
    assert gzip.decompress(fast) == gzip.decompress(best)
    assert [r.content_stream().read() for r in ArchiveIterator(BytesIO(fast + best))] == [body, body]


def test_parse_warc_date_round_trip() -> None:
    moment = datetime(2024, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
    assert records.parse_warc_date(records.warc_date(moment)) == moment
    assert records.parse_warc_date("2024-03-01T12:30:45Z") == moment.replace(microsecond=0)


def _numbered_response(number: int):
    body = f"<p>Article {number}</p>".encode() * (50 + number)
    head = records.response_head("HTTP/1.1", 200, [], len(body))
    record_id = f"<urn:uuid:00000000-0000-0000-0000-{number:012d}>"
    return records.response_record(f"http://example.com/{number}", head, body, record_id=record_id, date=DATE)


def test_records_serialised_on_several_threads_at_once_come_out_whole() -> None:
    """Each thread writes through its own writer: members never mix (the recorder and the uploads run in threads)."""
    expected = [unzip_one_member(records.serialize_record(_numbered_response(n), 6)) for n in range(200)]
    with ThreadPoolExecutor(4) as pool:
        members = list(pool.map(lambda n: records.serialize_record(_numbered_response(n), 6), range(200)))
    assert [unzip_one_member(member) for member in members] == expected


def test_a_record_that_fails_half_written_leaves_the_next_one_whole() -> None:
    class Unreadable(BytesIO):
        def read(self, *args):
            raise OSError("gone")

    head = records.response_head("HTTP/1.1", 200, [], 10)
    broken = records.response_record("http://example.com/", head, b"0123456789", record_id=RESPONSE_ID, date=DATE)
    broken.raw_stream = Unreadable()
    with pytest.raises(OSError):
        records.serialize_record(broken, 6)
    expected = unzip_one_member(records.serialize_record(_numbered_response(1), 6))
    assert unzip_one_member(records.serialize_record(_numbered_response(1), 6)) == expected
    assert expected.startswith(b"WARC/1.1\r\nWARC-Type: response\r\n")


def test_resource_record_is_a_browser_capture_with_its_own_content_type() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    record = records.resource_record(
        "urn:screenshot:http://example.com/", "image/png", png, record_id=RESPONSE_ID, date=DATE
    )
    data = gzip.decompress(records.serialize_record(record, 6))
    head, _, block = data.partition(b"\r\n\r\n")
    assert head.startswith(b"WARC/1.1\r\nWARC-Type: resource\r\n")
    assert b"WARC-Target-URI: urn:screenshot:http://example.com/\r\n" in head
    assert b"Content-Type: image/png\r\n" in head
    assert f"WARC-Payload-Digest: {records.payload_digest(png)}".encode() in head
    assert block == png + b"\r\n\r\n"  # no HTTP head: the block is the picture
    [read] = list(ArchiveIterator(BytesIO(records.serialize_record(record, 6))))
    row = records.capture_row(read, "f.warc.gz", 0, 10, source="s", page_kind="render")
    assert (row.record_type, row.mime, row.status, row.target_uri) == (
        "resource",
        "image/png",
        None,
        "urn:screenshot:http://example.com/",
    )
