"""Per-record WARC write cost by gzip level: ``python tests/crawler/warc/bench_writer.py [HTML_GZ_DIR]``.

Uses real ~70 KB article pages (default: the extraction benchmark's dev half) and reports CPU time per response
record and per whole group (response + request + metadata, written to disk with capture rows), and stored size.
"""

from __future__ import annotations

import gzip
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from scrapy.http import Headers

from crawler.warc import records
from crawler.warc.writer import WarcFileWriter

DEFAULT_PAGES = Path(__file__).parents[4] / "shared" / "eval" / "article-extraction-dev" / "html"
RESPONSE_HEADERS = [
    (b"Content-Type", b"text/html; charset=UTF-8"),
    (b"Server", b"nginx"),
    (b"Date", b"Sat, 28 Nov 2026 10:00:00 GMT"),
    (b"Cache-Control", b"max-age=600"),
]
REQUEST_HEADERS = Headers({"User-Agent": "newsarchive/0.1", "Accept": "text/html", "Accept-Encoding": "gzip, deflate"})


def load_pages(directory: Path, count: int = 10) -> list[bytes]:
    pages = []
    for path in sorted(directory.glob("*.html.gz")):
        page = gzip.decompress(path.read_bytes())
        if 60_000 <= len(page) <= 80_000:
            pages.append(page)
        if len(pages) == count:
            break
    return pages


def group(url: str, body: bytes) -> list:
    date = records.warc_date(datetime.now(UTC))
    response_id = records.new_record_id()
    head = records.response_head("HTTP/1.1", 200, RESPONSE_HEADERS, len(body))
    request_head = records.request_head("GET", url, REQUEST_HEADERS, b"")
    return [
        records.response_record(url, head, body, record_id=response_id, date=date, ip_address="192.0.2.1"),
        records.request_record(
            url, request_head, b"", record_id=records.new_record_id(), date=date, concurrent_to=response_id
        ),
        records.metadata_record(
            url,
            {"source": "bench", "page-kind": "article"},
            record_id=records.new_record_id(),
            date=date,
            concurrent_to=response_id,
        ),
    ]


def cpu_per_call(pages: list[bytes], work: Callable[[bytes], object], repeat: int = 5) -> float:
    """Best of three runs, in microseconds of process CPU time per page."""
    best = []
    for _ in range(3):
        start = time.process_time()
        for _ in range(repeat):
            for page in pages:
                work(page)
        best.append((time.process_time() - start) / (repeat * len(pages)))
    return min(best) * 1e6


def main() -> None:
    pages = load_pages(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PAGES)
    print(f"{len(pages)} pages, mean {sum(map(len, pages)) / len(pages) / 1024:.1f} KiB")
    for level in (9, 6, 4, 1, 0):
        sizes: list[int] = []

        def response_only(page: bytes, level: int = level, sizes: list[int] = sizes) -> None:
            head = records.response_head("HTTP/1.1", 200, RESPONSE_HEADERS, len(page))
            record = records.response_record(
                "https://example.com/", head, page, record_id=records.new_record_id(), date="2026-01-01T00:00:00Z"
            )
            sizes.append(len(records.serialize_record(record, level)))

        per_record = cpu_per_call(pages, response_only)
        with tempfile.TemporaryDirectory() as directory:
            writer = WarcFileWriter(directory, "bench", warcinfo={}, gzip_level=level)
            per_group = cpu_per_call(pages, lambda page, w=writer: w.write_group(group("https://example.com/a", page)))
            writer.close()
        print(
            f"gzip {level}: response record {per_record:.0f} us, whole group {per_group:.0f} us CPU, "
            f"response record {sum(sizes) / len(sizes) / 1024:.1f} KiB"
        )


if __name__ == "__main__":
    main()
