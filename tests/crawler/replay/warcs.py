"""WARC files written for replay tests the way the recorder writes them: response or revisit, request, metadata."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

from scrapy.http import Headers

from crawler.warc import records
from crawler.warc.writer import WarcFileWriter
from replica import ReplicaSite, render_article

BASE = "https://news.example"


def article_pages(count: int) -> list[tuple[str, bytes]]:
    """(URL, HTML) of ``count`` realistic article pages (the replica publisher's)."""
    site = ReplicaSite(max(count, 1))
    return [
        (BASE + site.article_path(article), render_article(site, article, BASE).encode("utf-8"))
        for article in site.articles[:count]
    ]


class WarcBuilder:
    """One WARC file of record groups, with chosen WARC-Dates; :meth:`close` returns its path."""

    def __init__(self, directory: Path, source: str = "site", run_id: int = 7) -> None:
        self.source = source
        self.writer = WarcFileWriter(directory, "test", warcinfo={"software": "tests"}, source=source, run_id=run_id)
        self.originals: dict[str, tuple[str, str, str]] = {}
        """payload digest → (record id, URL, WARC-Date) of its first response."""

    def page(
        self,
        url: str,
        body: bytes,
        moment: datetime,
        *,
        kind: str | None = "article",
        status: int = 200,
        encode: bool = False,
        content_type: str = "text/html; charset=utf-8",
        extra_headers: list[tuple[bytes, bytes]] | None = None,
        foreign_framing: bool = False,
    ) -> str:
        """A response group (a revisit when the payload was archived before); the first record's id."""
        stored = gzip.compress(body, mtime=0) if encode else body
        headers = [(b"Content-Type", content_type.encode())] + (extra_headers or [])
        if encode:
            headers.append((b"Content-Encoding", b"gzip"))
        head = records.response_head("HTTP/1.1", status, headers, len(stored))
        if foreign_framing:
            # As some other writers archive it: the framing headers kept, the body still chunked.
            pairs = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]
            head = records.RawStatusAndHeaders(f"{status} OK", pairs, protocol="HTTP/1.1")
        date = records.warc_date(moment)
        record_id = records.new_record_id()
        digest = records.payload_digest(stored)
        if digest in self.originals and 200 <= status < 300 and stored:
            original_id, original_url, original_date = self.originals[digest]
            first = records.revisit_record(
                url,
                head,  # as the recorder writes it: the new head, Content-Length of the body received
                record_id=record_id,
                date=date,
                digest=digest,
                refers_to=original_id,
                refers_to_uri=original_url,
                refers_to_date=original_date,
            )
        else:
            first = records.response_record(url, head, stored, record_id=record_id, date=date, digest=digest)
            self.originals.setdefault(digest, (record_id, url, date))
        group = [first, self._request(url, date, record_id)]
        if kind is not None:
            fields = {"source": self.source, "page-kind": kind, "run-id": 7}
            group.append(
                records.metadata_record(
                    url, fields, record_id=records.new_record_id(), date=date, concurrent_to=record_id
                )
            )
        self.writer.write_group(group, kind)
        return record_id

    def close(self) -> Path:
        return self.writer.close().path

    def _request(self, url: str, date: str, concurrent_to: str):
        head = records.request_head("GET", url, Headers({"User-Agent": "tests"}), b"")
        return records.request_record(
            url, head, b"", record_id=records.new_record_id(), date=date, concurrent_to=concurrent_to
        )
