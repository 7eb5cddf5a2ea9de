"""Reading our WARC files member by member: complete records, their offsets, and the rows to index them."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader

from crawler.warc import records
from crawler.warc.capture import CaptureRow

_CHUNK = 1 << 20


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
    offset = 0
    pending = b""
    while True:
        data = pending or stream.read(_CHUNK)
        if not data:
            return
        inflater = zlib.decompressobj(31)
        parts: list[bytes] = []
        consumed = 0
        while True:
            try:
                parts.append(inflater.decompress(data))
            except zlib.error:
                return
            if inflater.eof:
                consumed += len(data) - len(inflater.unused_data)
                pending = inflater.unused_data
                break
            consumed += len(data)
            data = stream.read(_CHUNK)
            if not data:
                return
        yield offset, consumed, b"".join(parts)
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
