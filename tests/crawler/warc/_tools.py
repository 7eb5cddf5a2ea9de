"""Checks of WARC files with tools we did not write: gzip, warcio, FastWARC, cdxj-indexer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

BIN = Path(sys.executable).parent


def run_tool(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (
        f"{args[0]} failed ({result.returncode}): {result.stdout[-2000:]} {result.stderr[-2000:]}"
    )
    return result.stdout


def assert_valid_warc(path: Path) -> None:
    """gzip -t, warcio check (digests) and index, FastWARC check (block digests), cdxj-indexer."""
    run_tool("gzip", "-t", str(path))
    run_tool(str(BIN / "warcio"), "check", str(path))
    index = run_tool(str(BIN / "warcio"), "index", "-f", "warc-type,offset,length", str(path))
    assert index.count("\n") == len(warcio_offsets(path))
    run_tool(str(BIN / "fastwarc"), "check", "-q", str(path))
    run_tool(str(BIN / "cdxj-indexer"), str(path))


def warcio_offsets(path: Path) -> list[tuple[int, int, str, str]]:
    """(offset, length, type, record id) of each record, as warcio's own iterator sees them."""
    found = []
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            found.append((iterator.get_record_offset(), 0, record.rec_type, record_id))
            iterator.read_to_end()
            found[-1] = (found[-1][0], iterator.get_record_length(), record.rec_type, record_id)
    return found
