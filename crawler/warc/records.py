"""WARC record building and serialisation: the one thin module over warcio's writing side."""

from __future__ import annotations

import base64
import hashlib
import threading
import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from http import HTTPStatus
from io import BytesIO

from twisted.web.client import URI
from twisted.web.http_headers import Headers as TwistedHeaders
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

from crawler.warc.capture import CaptureRow

WARC_VERSION = "WARC/1.1"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"te", b"trailers", b"transfer-encoding", b"upgrade", b"proxy-connection"}
)
"""Headers that describe the connection, not the message: never archived (nor is the received Content-Length)."""

HeaderPairs = Iterable[tuple[bytes, bytes]]
Record = ArcWarcRecord
"""A built record (warcio's class): the only warcio type other modules of ours handle."""


class RawStatusAndHeaders(StatusAndHeaders):
    """HTTP head kept byte for byte: warcio would percent-encode non-ASCII values; we keep the latin-1 bytes."""

    def to_ascii_bytes(self, filter_func=None) -> bytes:
        return self.to_str(filter_func).encode("latin-1") + b"\r\n"


def payload_digest(body: bytes) -> str:
    """``sha1:BASE32`` of a payload: the WARC-Payload-Digest, the CDX digest and the dedup key."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(moment: datetime) -> str:
    """WARC/1.1 date with microseconds (warcio, cdxj-indexer and pywb read the fraction; CDX keeps 14 digits)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@lru_cache(maxsize=64)
def parse_warc_date(value: str) -> datetime:
    """An aware UTC datetime from a WARC-Date, with or without a fraction of a second (cached: a group shares one)."""
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in value else "%Y-%m-%dT%H:%M:%SZ"
    return datetime.strptime(value, fmt).replace(tzinfo=UTC)


def new_record_id() -> str:
    """``<urn:uuid:…>`` (a random UUID, as warcio makes them)."""
    return StatusAndHeadersParser.make_warc_id()


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def response_head(protocol: str | None, status: int, headers: HeaderPairs, body_length: int) -> RawStatusAndHeaders:
    """The archived response head: received headers minus framing ones, then the stored body's Content-Length."""
    kept = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in headers
        if name.lower() not in HOP_BY_HOP and name.lower() != b"content-length"
    ]
    kept.append(("Content-Length", str(body_length)))
    # Scrapy's HTTP/2 handler says "h2"; replay tools parse an HTTP/1.x status line, as browsers' archivers write.
    protocol = protocol if protocol and protocol.startswith("HTTP/1.") else "HTTP/1.1"
    return RawStatusAndHeaders(f"{status} {reason_phrase(status)}", kept, protocol=protocol)


def request_head(method: str, url: str, headers: Mapping[bytes, list[bytes]], body: bytes) -> RawStatusAndHeaders:
    """The request head as Twisted's HTTP/1.1 client writes it (``twisted.web._newclient.Request._writeHeaders``).

    Content-Length first when there is a body (or for an empty POST/PUT), then Scrapy's headers in Twisted's
    canonical capitalisation, then ``Host`` when Scrapy did not set one (the Agent adds it last).
    """
    uri = URI.fromBytes(url.split("#", 1)[0].encode("ascii"))
    lines: list[tuple[str, str]] = []
    if body or method.upper() in ("POST", "PUT"):
        lines.append(("Content-Length", str(len(body))))
    twisted_headers = TwistedHeaders(dict(headers))
    if not twisted_headers.hasHeader(b"host"):
        twisted_headers.addRawHeader(b"Host", _host_value(uri))
    for name, values in twisted_headers.getAllRawHeaders():
        lines.extend((name.decode("latin-1"), value.decode("latin-1")) for value in values)
    path = uri.originForm.decode("ascii")
    return RawStatusAndHeaders(f"{path} HTTP/1.1", lines, protocol=method.upper())


def _host_value(uri: URI) -> bytes:
    host = b"[" + uri.host + b"]" if b":" in uri.host else uri.host
    if (uri.scheme, uri.port) in ((b"http", 80), (b"https", 443)):
        return host
    return b"%b:%d" % (host, uri.port)


def _group_headers(
    record_type: str, url: str, record_id: str, date: str, extra: Mapping[str, str] | None
) -> dict[str, str]:
    # WARC-Type first, as every other writer does; warcio would append it last.
    headers = {"WARC-Type": record_type, "WARC-Record-ID": record_id, "WARC-Date": date}
    if url:
        headers["WARC-Target-URI"] = url
    if extra:
        headers.update(extra)
    return headers


def response_record(
    url: str,
    head: RawStatusAndHeaders,
    body: bytes,
    *,
    record_id: str,
    date: str,
    digest: str | None = None,
    ip_address: str | None = None,
    truncated: str | None = None,
) -> ArcWarcRecord:
    extra = {"WARC-Payload-Digest": digest or payload_digest(body)}
    if ip_address:
        extra["WARC-IP-Address"] = ip_address
    if truncated:
        extra["WARC-Truncated"] = truncated
    return _BUILDER.create_warc_record(
        url,
        "response",
        payload=BytesIO(body),
        length=len(body),
        http_headers=head,
        warc_headers_dict=_group_headers("response", url, record_id, date, extra),
    )


def revisit_record(
    url: str,
    head: RawStatusAndHeaders,
    *,
    record_id: str,
    date: str,
    digest: str,
    refers_to: str,
    refers_to_uri: str,
    refers_to_date: str,
    ip_address: str | None = None,
) -> ArcWarcRecord:
    """An identical-payload-digest revisit: the new HTTP head, no body, pointing at the original record."""
    extra = {"WARC-IP-Address": ip_address} if ip_address else {}
    record = _BUILDER.create_revisit_record(
        url,
        digest,
        refers_to_uri,
        refers_to_date,
        http_headers=head,
        warc_headers_dict=_group_headers("revisit", url, record_id, date, extra),
    )
    record.rec_headers.add_header("WARC-Refers-To", refers_to)
    return record


def request_record(
    url: str, head: RawStatusAndHeaders, body: bytes, *, record_id: str, date: str, concurrent_to: str
) -> ArcWarcRecord:
    return _BUILDER.create_warc_record(
        url,
        "request",
        payload=BytesIO(body),
        length=len(body),
        http_headers=head,
        warc_headers_dict=_group_headers("request", url, record_id, date, {"WARC-Concurrent-To": concurrent_to}),
    )


def metadata_record(
    url: str, fields: Mapping[str, object], *, record_id: str, date: str, concurrent_to: str
) -> ArcWarcRecord:
    """application/warc-fields about the capture (source, page kind, run); no payload digest (rule 5)."""
    block = _warc_fields(fields)
    return _BUILDER.create_warc_record(
        url,
        "metadata",
        payload=BytesIO(block),
        length=len(block),
        warc_content_type="application/warc-fields",
        warc_headers_dict=_group_headers("metadata", url, record_id, date, {"WARC-Concurrent-To": concurrent_to}),
    )


def resource_record(
    url: str, content_type: str, block: bytes, *, record_id: str, date: str, concurrent_to: str | None = None
) -> ArcWarcRecord:
    """A ``resource`` record: bytes we made, not an HTTP exchange (a screenshot, a rendered DOM), no HTTP head.

    ``url`` is a ``urn:screenshot:<page URL>`` / ``urn:dom:<page URL>`` name, Browsertrix's convention, so its tools
    and ours find a page's browser captures by the page URL. Block and payload digests are warcio's.
    """
    extra = {"WARC-Concurrent-To": concurrent_to} if concurrent_to else None
    return _BUILDER.create_warc_record(
        url,
        "resource",
        payload=BytesIO(block),
        length=len(block),
        warc_content_type=content_type,
        warc_headers_dict=_group_headers("resource", url, record_id, date, extra),
    )


def warcinfo_record(filename: str, fields: Mapping[str, object], *, record_id: str, date: str) -> ArcWarcRecord:
    block = _warc_fields(fields)
    headers = _group_headers("warcinfo", "", record_id, date, {"WARC-Filename": filename})
    return _BUILDER.create_warc_record(
        "",
        "warcinfo",
        payload=BytesIO(block),
        length=len(block),
        warc_content_type="application/warc-fields",
        warc_headers_dict=headers,
    )


def _warc_fields(fields: Mapping[str, object]) -> bytes:
    lines = [f"{name}: {value}\r\n" for name, value in fields.items() if value is not None and value != ""]
    return "".join(lines).encode("utf-8")


def serialize_record(record: ArcWarcRecord, gzip_level: int) -> bytes:
    """One record as one gzip member (per-record gzip, so any record can be read from its offset)."""
    writer, member = _thread_writer()
    member.start(gzip_level, small=record.rec_type != "response")
    writer.write_record(record)
    return member.finish()


class _GzipMember:
    """What warcio's writer writes one record into: a gzip member at a chosen level (warcio's own gzip wrapper
    hard-codes level 9), ended by :meth:`finish`."""

    __slots__ = ("_compressor", "_parts")

    def __init__(self) -> None:
        self.start(6)

    def start(self, level: int, small: bool = False) -> None:
        # A kilobyte of headers does not need zlib's default 128 KiB of hash tables, whose set-up costs more
        # than compressing it (about 35 us per record on the reactor thread).
        memory = 1 if small else 8
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, 31, memory)
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self._parts.append(self._compressor.compress(data))

    def flush(self) -> None:
        """The writer flushes once a record is written: the member ends in :meth:`finish`, not here."""

    def finish(self) -> bytes:
        self._parts.append(self._compressor.flush())
        member, self._parts = b"".join(self._parts), []
        return member


class _RecordWriter(WARCWriter):
    """warcio's writer at WARC/1.1 with no gzip of its own, and no payload digest on metadata (nor warcinfo, nor
    revisit: set); it builds our records too."""

    NO_PAYLOAD_DIGEST_TYPES = ("warcinfo", "revisit", "metadata")

    def __init__(self, out: _GzipMember) -> None:
        super().__init__(out, gzip=False, warc_version=WARC_VERSION)


_BUILDER = _RecordWriter(_GzipMember())
"""Builds records (it writes nothing: each thread serialises through its own writer)."""
_THREAD = threading.local()


def _thread_writer() -> tuple[_RecordWriter, _GzipMember]:
    """This thread's writer and the gzip member it writes into (made once: warcio's writer set-up is not free)."""
    pair = getattr(_THREAD, "pair", None)
    if pair is None:
        member = _GzipMember()
        pair = _THREAD.pair = (_RecordWriter(member), member)
    return pair


def capture_row(
    record: ArcWarcRecord,
    filename: str,
    offset: int,
    length: int,
    *,
    source: str | None = None,
    run_id: int | None = None,
    page_kind: str | None = None,
) -> CaptureRow:
    """The captures-index row of a record, read from its headers (the same for written and re-read records)."""
    headers = record.rec_headers
    record_type = headers.get_header("WARC-Type")
    status = mime = None
    if record_type in ("response", "revisit") and record.http_headers:
        status = _status_code(record.http_headers.get_statuscode())
        content_type = record.http_headers.get_header("Content-Type")
        mime = _mime(content_type)
    elif record_type == "resource":
        mime = _mime(headers.get_header("Content-Type"))
    return CaptureRow(
        filename=filename,
        offset=offset,
        length=length,
        record_id=headers.get_header("WARC-Record-ID"),
        record_type=record_type,
        target_uri=headers.get_header("WARC-Target-URI"),
        warc_date=parse_warc_date(headers.get_header("WARC-Date")),
        status=status,
        mime=mime,
        payload_digest=headers.get_header("WARC-Payload-Digest"),
        refers_to=headers.get_header("WARC-Refers-To"),
        concurrent_to=headers.get_header("WARC-Concurrent-To"),
        source=source,
        page_kind=page_kind,
        run_id=run_id,
    )


def _mime(content_type: str | None) -> str | None:
    return content_type.split(";", 1)[0].strip().lower() or None if content_type else None


def _status_code(code: str) -> int | None:
    return int(code) if code.isdigit() else None
