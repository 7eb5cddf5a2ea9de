"""Reading WARC files, the one place warcio's readers are called: records with their offsets and raw HTTP parts."""

from __future__ import annotations

import logging
import mmap
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader

from crawler.errors import ArchiveError
from crawler.warc import records
from crawler.warc.capture import CaptureRow

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 16

HeaderPairs = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class RecordLocation:
    """Where a record is: its file, and the offset of its first byte (of its gzip member) in it."""

    path: Path
    offset: int

    def __str__(self) -> str:
        return f"{self.path}@{self.offset}"


# --- our own files, for indexing and recovery: complete records from the start, up to the first damage ----------


@dataclass(frozen=True)
class Member:
    """One complete gzip member holding one complete WARC record."""

    offset: int
    length: int
    record: ArcWarcRecord


def iter_members(stream: BinaryIO) -> Iterator[tuple[int, int, bytes]]:
    """(offset, compressed length, decompressed bytes) of each complete gzip member, in order.

    Stops at the first member that is cut short or corrupt (its CRC and size are checked by zlib), so the
    offset + length of the last member yielded is where the valid part of the file ends.
    """
    with _mapped(stream) as view:
        offset = 0
        while view is not None and offset < len(view):
            try:
                data, consumed = _inflate(view, offset)
            except (zlib.error, EOFError):
                return
            yield offset, consumed, data
            offset += consumed


def parse_record(data: bytes) -> ArcWarcRecord | None:
    """The WARC record in one member's bytes, or None when the bytes are not exactly one complete record."""
    head_end = data.find(b"\r\n\r\n")
    if not data.startswith(b"WARC/") or head_end < 0:
        return None
    try:
        record = ArcWarcRecordLoader().parse_record_stream(BytesIO(data), known_format="warc")
    except (ArchiveLoadFailed, ValueError, EOFError):
        return None
    declared = record.rec_headers.get_header("Content-Length")
    if declared is None or not declared.isdigit():
        return None
    if head_end + 4 + int(declared) + 4 != len(data) or not data.endswith(b"\r\n\r\n"):
        return None
    return record


def iter_complete_records(stream: BinaryIO) -> Iterator[Member]:
    """Complete records from the start of a file, stopping at the first incomplete or foreign one."""
    for offset, length, data in iter_members(stream):
        record = parse_record(data)
        if record is None:
            return
        yield Member(offset, length, record)


def capture_rows(members: list[Member], filename: str) -> list[CaptureRow]:
    """Rows for a file's records, with source and run from its warcinfo and page kind from each metadata record."""
    info: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for member in members:
        record_type = member.record.rec_headers.get_header("WARC-Type")
        if record_type in ("warcinfo", "metadata"):
            fields = _warc_fields(member.record)
            if record_type == "warcinfo" and not info:
                info = fields
            elif "page-kind" in fields:
                kinds[member.record.rec_headers.get_header("WARC-Concurrent-To")] = fields["page-kind"]
                kinds[member.record.rec_headers.get_header("WARC-Record-ID")] = fields["page-kind"]
    run_id = int(info["run-id"]) if info.get("run-id", "").isdigit() else None
    rows = []
    for member in members:
        headers = member.record.rec_headers
        key = headers.get_header("WARC-Concurrent-To") or headers.get_header("WARC-Record-ID")
        rows.append(
            records.capture_row(
                member.record,
                filename,
                member.offset,
                member.length,
                source=info.get("source"),
                run_id=run_id,
                page_kind=kinds.get(key),
            )
        )
    return rows


def file_source(path: Path) -> str | None:
    """The ``source`` its warcinfo record names (the first record of a file of ours), or None."""
    with open(path, "rb") as stream:
        first = next(iter_complete_records(stream), None)
    if first is None or first.record.rec_headers.get_header("WARC-Type") != "warcinfo":
        return None
    return _warc_fields(first.record).get("source")


def read_capture_rows(path: Path) -> list[CaptureRow]:
    """Rows of every complete record in a WARC file of ours, as the writer returned them."""
    with open(path, "rb") as stream:
        members = list(iter_complete_records(stream))
    name = path.name.removesuffix(".open")
    return capture_rows(members, name)


def _warc_fields(record: ArcWarcRecord) -> dict[str, str]:
    fields = {}
    for line in record.content_stream().read().decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields.setdefault(name.strip(), value.strip())
    return fields


# --- any WARC file, for replay: every record, damage reported once per stretch and skipped ---------------------


@dataclass
class WarcRecord:
    """One record with what a replay needs: where it is, its parsed headers and its HTTP parts as stored."""

    offset: int
    length: int
    record: ArcWarcRecord
    """warcio's record (WARC and HTTP headers parsed; its content is not read from it)."""
    http_headers: HeaderPairs
    """The HTTP header lines as stored, byte for byte (warcio would decode them)."""
    payload: bytes
    """The HTTP body as stored (content-encoded; de-chunked if a foreign writer kept chunked framing)."""
    indexable: bool = True
    """False when the record shares its gzip member with others (a whole-file gzip): no offset of its own."""

    @property
    def rec_type(self) -> str:
        return self.record.rec_headers.get_header("WARC-Type") or ""

    def header(self, name: str) -> str | None:
        return self.record.rec_headers.get_header(name)

    @property
    def record_id(self) -> str | None:
        return self.header("WARC-Record-ID")

    @property
    def status(self) -> int | None:
        if not self.record.http_headers:
            return None
        code = self.record.http_headers.get_statuscode()
        return int(code) if code and code.isdigit() else None

    def http_header(self, name: bytes) -> bytes | None:
        name = name.lower()
        return next((value for key, value in self.http_headers if key.lower() == name), None)


@dataclass(frozen=True)
class BadRecord:
    """A stretch of a file that holds no readable record (corrupt or cut gzip, not a WARC record)."""

    offset: int
    reason: str


def iter_file(path: Path) -> Iterator[WarcRecord | BadRecord]:
    """Every record of a WARC file in order; damage is reported once per damaged stretch, then reading goes on."""
    if path.name.endswith(".gz"):
        yield from _iter_gzip(path)
    else:
        yield from _iter_plain(path)


def read_at(location: RecordLocation) -> WarcRecord | BadRecord:
    """The record in the gzip member at ``location`` (a revisit's original, from the captures index)."""
    offset = location.offset
    with open(location.path, "rb") as stream, _mapped(stream) as view:
        if view is None or offset >= len(view):
            return BadRecord(offset, "offset past the end of the file")
        try:
            data, consumed = _inflate(view, offset)
        except (zlib.error, EOFError) as error:
            return BadRecord(offset, f"unreadable gzip member: {error}")
        parsed = _parse(data, offset, consumed)
        return parsed[0] if len(parsed) == 1 else BadRecord(offset, "not one WARC record")


def _iter_gzip(path: Path) -> Iterator[WarcRecord | BadRecord]:
    with open(path, "rb") as stream, _mapped(stream) as view:
        if view is None:
            return
        offset, damaged = 0, False
        while offset < len(view):
            try:
                data, consumed = _inflate(view, offset)
                records = _parse(data, offset, consumed)
            except (zlib.error, EOFError) as error:
                records, reason = [], f"unreadable gzip member: {error}"
            else:
                reason = "gzip member holds no WARC record"
            if records:
                damaged = False
                yield from records
                offset += consumed
                continue
            if not damaged:
                yield BadRecord(offset, reason)
                damaged = True
            offset = view.find(GZIP_MAGIC, offset + 1)
            if offset < 0:
                return


def _iter_plain(path: Path) -> Iterator[WarcRecord | BadRecord]:
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream, ensure_http_headers=False)
        try:
            for record in iterator:
                block = record.raw_stream.read()  # before asking the offset: that would skip the content
                offset = iterator.get_record_offset()
                head = _head_bytes(record)
                iterator.read_to_end(record)
                yield _build(record, offset, iterator.get_record_length(), head + block, True)
        except (ArchiveLoadFailed, ValueError, EOFError) as error:
            # An uncompressed file has no member boundaries to resynchronise on.
            yield BadRecord(iterator.offset, f"unreadable record: {error}")


def _head_bytes(record: ArcWarcRecord) -> bytes:
    return record.http_headers.to_bytes() if record.http_headers else b""


def _inflate(view: mmap.mmap, offset: int) -> tuple[bytes, int]:
    """One gzip member from ``offset``: its bytes and compressed length (zlib checks CRC and size)."""
    inflater = zlib.decompressobj(31)
    parts = []
    position = offset
    while not inflater.eof:
        chunk = view[position : position + _CHUNK]
        if not chunk:
            raise EOFError("member cut short")
        parts.append(inflater.decompress(chunk))
        position += len(chunk)
    return b"".join(parts), position - offset - len(inflater.unused_data)


def _parse(data: bytes, offset: int, length: int) -> list[WarcRecord]:
    record = parse_record(data)
    if record is not None:
        head_end = data.index(b"\r\n\r\n") + 4
        declared = int(record.rec_headers.get_header("Content-Length"))
        return [_build(record, offset, length, data[head_end : head_end + declared], True)]
    if data.startswith(b"WARC/"):
        return _parse_many(data, offset, length)
    return []


def _parse_many(data: bytes, offset: int, length: int) -> list[WarcRecord]:
    """Records sharing one member (a foreign whole-file gzip): readable, but with no offset of their own."""
    found = []
    try:
        for record in ArchiveIterator(BytesIO(data), ensure_http_headers=False):
            block = _head_bytes(record) + record.raw_stream.read()
            found.append(_build(record, offset, length, block, False))
    except (ArchiveLoadFailed, ValueError, EOFError):
        log.debug("member at %d holds unreadable records after %d good ones", offset, len(found))
    return found


def _build(record: ArcWarcRecord, offset: int, length: int, block: bytes, indexable: bool) -> WarcRecord:
    pairs: HeaderPairs = []
    payload = block
    if record.http_headers is not None:
        head, _, payload = block.partition(b"\r\n\r\n")
        pairs = _header_pairs(head)
        if _chunked(pairs):
            payload = ChunkedDataReader(BytesIO(payload)).read()
    return WarcRecord(offset, length, record, pairs, payload, indexable)


def _header_pairs(head: bytes) -> HeaderPairs:
    pairs = []
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            pairs.append((name.strip(), value.strip()))
    return pairs


def _chunked(pairs: HeaderPairs) -> bool:
    return any(name.lower() == b"transfer-encoding" and b"chunked" in value.lower() for name, value in pairs)


@contextmanager
def _mapped(stream: BinaryIO) -> Iterator[mmap.mmap | None]:
    """The whole file mapped read-only (None for an empty file): the OS pages it in, no copy into Python."""
    try:
        mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except ValueError:  # an empty file cannot be mapped
        yield None
        return
    try:
        yield mapped
    finally:
        mapped.close()


# --- read-back proof: every record as warcio sees it, digests checked ---------------------------------------------


def verified_records(path: Path) -> list[tuple[int, str]]:
    """(offset, record id) of every record in ``path``, read to its end by warcio with the block and payload digests
    checked (as ``warcio check`` does); ArchiveError on the first record that does not read back whole."""
    found: list[tuple[int, str]] = []
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream, check_digests="raise")
        try:
            for record in iterator:
                found.append((iterator.get_record_offset(), record.rec_headers.get_header("WARC-Record-ID")))
                iterator.read_to_end(record)
        except (ArchiveLoadFailed, EOFError, ValueError, zlib.error) as error:
            raise ArchiveError(f"{path.name} does not read back: {error}") from error
    return found
