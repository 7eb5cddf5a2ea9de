"""WARC gzip level benchmark: bytes and CPU per article record group at levels 9, 6 and 1 (our writer's records).

Usage: ``python bench/warcgzip.py [--pages 300] [--levels 9,6,1]``. Article pages of the synthetic site, recorded
as the crawl records them (response, request, metadata; per-record gzip through ``crawler.warc.records``), once
with the body gzip-encoded as the server sent it and once identity-encoded (a server that does not compress).
The crawl benchmark measures the same levels end to end through ``NEWSARCHIVE_WARC_GZIP_LEVEL``.
The last line: ``enc<L>_ms=… enc<L>_kb=… raw<L>_ms=… raw<L>_kb=…`` per level L.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import CACHE, article_pages, key_values
from bench.site import generate
from crawler.warc import records


def record_groups(pages: list[bytes], encoded: bool) -> list[list]:
    groups = []
    for number, html in enumerate(pages):
        url = f"http://127.0.0.1:8431/article-{number}/"
        body = gzip.compress(html, compresslevel=6, mtime=0) if encoded else html
        headers = [(b"Server", b"nginx"), (b"Content-Type", b"text/html; charset=UTF-8")]
        if encoded:
            headers.append((b"Content-Encoding", b"gzip"))
        date = "2024-07-13T06:00:00Z"
        response_id = records.new_record_id()
        head = records.response_head("HTTP/1.1", 200, headers, len(body))
        request_head = records.request_head("GET", url, {b"Accept-Encoding": [b"gzip, deflate"]}, b"")
        groups.append(
            [
                records.response_record(url, head, body, record_id=response_id, date=date),
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
        )
    return groups


def measure(groups: list[list], level: int) -> tuple[float, float]:
    """(CPU ms, KB) per record group; records are rebuilt per pass (their payload streams are read once)."""
    started = time.process_time()
    size = 0
    for group in groups:
        for record in group:
            size += len(records.serialize_record(record, level))
    return (time.process_time() - started) * 1000 / len(groups), size / len(groups) / 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--levels", default="9,6,3,1")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",")]
    site = generate(CACHE / f"site-{args.pages}-1-gzip", args.pages, "http://127.0.0.1:8431")
    folder = Path(site.folder)
    pages = [page.read_bytes() for page in article_pages(folder)]
    print(f"{len(pages)} article pages, mean {sum(map(len, pages)) / len(pages) / 1000:.1f} KB")
    pairs: dict[str, object] = {}
    for encoded in (True, False):
        label = "gzip-encoded body" if encoded else "identity body"
        for level in levels:
            millis, kb = measure(record_groups(pages, encoded), level)
            print(f"{label:<18} level {level}: {millis:5.2f} ms CPU and {kb:6.1f} KB per record group")
            pairs[f"{'enc' if encoded else 'raw'}{level}_ms"] = millis
            pairs[f"{'enc' if encoded else 'raw'}{level}_kb"] = kb
    print(key_values(pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
