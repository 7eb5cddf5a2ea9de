"""Front pages rebuilt from the WARCs: a front-page exchange's links read as the live crawl read them, then stored."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import psycopg

from crawler.config.schema import SourceConfig
from crawler.discovery.frontpage import FrontPage, read_front_page
from crawler.replay.extraction import live_response
from crawler.storage.frontpages import FrontPageStore
from crawler.warc import records
from crawler.warc.reader import WarcRecord

log = logging.getLogger(__name__)

FRONT_PAGE_FIELD = "front-page"
"""The metadata record's field the recorder writes (``true``) for a start-URL listing."""


def is_front_page(fields: dict[str, str] | None, record: WarcRecord) -> bool:
    """A 2xx response (or revisit) whose metadata says the crawl fetched it as a front page."""
    status = record.status
    return (fields or {}).get(FRONT_PAGE_FIELD) == "true" and status is not None and 200 <= status < 300


class FrontPageReplay:
    """Collects a replay's front pages and stores them in batches (idempotent: a page already stored stays)."""

    def __init__(self, conn: psycopg.Connection, sources: Sequence[SourceConfig], batch_size: int) -> None:
        self.store = FrontPageStore(conn)
        self.sources = {source.name: source for source in sources}
        self.batch_size = batch_size
        self.stored = 0
        self._pending: list[FrontPage] = []

    def add(self, record: WarcRecord, source: str, payload: bytes) -> None:
        """Read the links of ``record`` (``payload``: its body, a revisit's from its original)."""
        url = record.header("WARC-Target-URI") or ""
        response = live_response(url, record.status or 0, record.http_headers, payload)
        # An unconfigured source: the spider's same-site heuristic, as a source without domains or pattern gets.
        config = self.sources.get(source) or SourceConfig(name=source)
        captured_at = records.parse_warc_date(record.header("WARC-Date") or "")
        page = read_front_page(response, config, record.record_id, captured_at)
        if page is not None:
            self._pending.append(page)
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if pending:
            self.stored += self.store.store_many(pending).pages
