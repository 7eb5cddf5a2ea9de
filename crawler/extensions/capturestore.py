"""The extension that indexes WARC records in the captures table as the recorder reports them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import psycopg
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread

from crawler import settings as defaults
from crawler import signals as newsarchive_signals
from crawler import statkeys
from crawler.storage.batchwriter import BatchWriter
from crawler.storage.captures import CaptureStore
from crawler.warc.capture import CaptureRow, ClosedFile

log = logging.getLogger(__name__)


Entry = CaptureRow | ClosedFile
"""A capture row, or a ``warc_file_closed`` signal queued behind the rows of that file."""


class CaptureStoreExtension:
    """Listens to ``warc_records_written`` / ``warc_file_closed`` and writes them in batches on a writer thread.

    The WARC files are the source of truth: when the database is down, rows are counted in
    ``newsarchive/captures/unstored`` and the crawl goes on; ``archive recover`` re-indexes them from the files.
    Settings: ``NEWSARCHIVE_DATABASE_URL`` (unset: disabled), ``NEWSARCHIVE_CAPTURES_BATCH_SIZE`` (500),
    ``NEWSARCHIVE_CAPTURES_INTERVAL`` (seconds, 2), ``NEWSARCHIVE_RUN_ID`` (recorded on closed files), and the
    pipeline's ``NEWSARCHIVE_STORE_RETRY_AFTER`` and ``NEWSARCHIVE_STORE_CLOSE_TIMEOUT``.
    """

    def __init__(self, crawler: Crawler, url: str) -> None:
        self.stats = crawler.stats
        settings = crawler.settings
        run_id = settings.get("NEWSARCHIVE_RUN_ID")
        self.run_id = int(run_id) if run_id else None
        self.close_timeout = settings.getfloat(
            "NEWSARCHIVE_STORE_CLOSE_TIMEOUT", defaults.NEWSARCHIVE_STORE_CLOSE_TIMEOUT
        )
        self.writer: BatchWriter[Entry, int] = BatchWriter(
            url,
            self._write,
            on_done=self._stored,
            on_failed=self._unstored,
            batch_size=settings.getint("NEWSARCHIVE_CAPTURES_BATCH_SIZE", defaults.NEWSARCHIVE_CAPTURES_BATCH_SIZE),
            interval=settings.getfloat("NEWSARCHIVE_CAPTURES_INTERVAL", defaults.NEWSARCHIVE_CAPTURES_INTERVAL),
            retry_after=settings.getfloat("NEWSARCHIVE_STORE_RETRY_AFTER", defaults.NEWSARCHIVE_STORE_RETRY_AFTER),
            name="newsarchive-capture-store",
        )
        self._unindexed: set[str] = set()
        """Files some of whose rows were not written: their ``warc_files`` row is left out, so the next run (or
        ``archive recover``) indexes them from the file."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CaptureStoreExtension:
        url = crawler.settings.get("NEWSARCHIVE_DATABASE_URL")
        if not url:
            raise NotConfigured("NEWSARCHIVE_DATABASE_URL is not set")
        extension = cls(crawler, url)
        crawler.signals.connect(extension.records_written, signal=newsarchive_signals.warc_records_written)
        crawler.signals.connect(extension.file_closed, signal=newsarchive_signals.warc_file_closed)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def records_written(self, rows: Sequence[CaptureRow]) -> None:
        for row in rows:
            self.writer.put(row)

    def file_closed(self, path: Path, size: int, records: int) -> None:
        self.writer.put(ClosedFile(Path(path), size, records))

    async def spider_closed(self) -> None:
        # The recorder closes its last file in its own spider_closed handler, dispatched in the same round as this
        # one: yield one reactor turn so that its file_closed is queued before the writer is told to stop.
        from twisted.internet import reactor  # imported late: importing it installs one, Scrapy picks which

        await maybe_deferred_to_future(deferLater(reactor, 0, lambda: None))
        await maybe_deferred_to_future(deferToThread(self.close))

    def close(self) -> None:
        """Index what is queued and stop the writer (blocking: call it off the reactor thread)."""
        if not self.writer.close(self.close_timeout):
            log.error("capture writer did not finish within %.0f s; recovery will index the rest", self.close_timeout)

    def _write(self, conn: psycopg.Connection, batch: Sequence[Entry]) -> int:
        store = CaptureStore(conn)
        rows = [entry for entry in batch if isinstance(entry, CaptureRow)]
        added = store.add_captures(rows)
        for entry in batch:
            if isinstance(entry, ClosedFile) and entry.path.name not in self._unindexed:
                store.file_closed(entry.path.name, entry.path, entry.size, entry.records, self.run_id)
        return added

    def _stored(self, batch: Sequence[Entry], added: int) -> None:
        rows = sum(isinstance(entry, CaptureRow) for entry in batch)
        self.stats.inc_value("newsarchive/captures/stored", rows)

    def _unstored(self, batch: Sequence[Entry], error: Exception) -> None:
        rows = sum(isinstance(entry, CaptureRow) for entry in batch)
        self._unindexed.update(entry.filename for entry in batch if isinstance(entry, CaptureRow))
        self.stats.inc_value(statkeys.CAPTURES_UNSTORED, rows)
        files = len(batch) - rows
        if files:
            self.stats.inc_value("newsarchive/captures/unstored_files", files)
        log.debug("%d capture rows not indexed: %s", rows, error)
