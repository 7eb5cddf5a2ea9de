"""Helpers of the fault suite: scratch databases, Scrapy settings for a crawl subprocess, WARC files read back."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from crawler.storage.capturerule import keeps_row
from crawler.warc.reader import read_capture_rows

SETTINGS_ENV = "NEWSARCHIVE_SCRAPY_SETTINGS"
WARCIO = str(Path(sys.executable).parent / "warcio")


def settings_env(**settings: Any) -> str:
    """The value of ``NEWSARCHIVE_SCRAPY_SETTINGS`` for these Scrapy settings."""
    return json.dumps(settings)


def source_toml(name: str, **values: Any) -> str:
    """A ``[[sources]]`` entry; list values become TOML arrays."""
    lines = ["[[sources]]", f"name = {json.dumps(name)}"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def warc_files(archive_dir: Path) -> list[Path]:
    return sorted(archive_dir.rglob("*.warc.gz"))


def open_files(archive_dir: Path) -> list[Path]:
    return sorted(archive_dir.rglob("*.open"))


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    """``warcio check`` (digests of every record), a tool we did not write."""
    return subprocess.run([WARCIO, "check", str(path)], capture_output=True, text=True, check=False)


@dataclass(frozen=True)
class WarcRecord:
    path: Path
    type: str
    url: str
    status: int | None
    truncated: str | None
    content_encoding: str | None
    raw_body: bytes
    """The payload as stored (still content-encoded)."""


def read_records(paths: list[Path]) -> list[WarcRecord]:
    """Every record of the files, read with warcio; responses and revisits carry their HTTP status."""
    found = []
    for path in paths:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                http = record.http_headers if record.rec_type in ("response", "revisit") else None
                found.append(
                    WarcRecord(
                        path=path,
                        type=record.rec_type,
                        url=record.rec_headers.get_header("WARC-Target-URI") or "",
                        status=int(http.get_statuscode()) if http else None,
                        truncated=record.rec_headers.get_header("WARC-Truncated"),
                        content_encoding=http.get_header("Content-Encoding") if http else None,
                        raw_body=record.raw_stream.read(),
                    )
                )
    return found


def responses_for(records: list[WarcRecord], url: str) -> list[WarcRecord]:
    return [record for record in records if record.url == url and record.type in ("response", "revisit")]


def count_records(paths: list[Path]) -> int:
    """Records in the files that get a captures row (``crawler.storage.capturerule``): what the index must hold."""
    return sum(keeps_row(row) for path in paths for row in read_capture_rows(path))
