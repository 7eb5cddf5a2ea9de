"""The replay loop: WARC files read oldest first, article responses extracted in worker processes, stored in order."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from crawler.config.schema import CrawlConfig, SourceConfig
from crawler.discovery import wayback
from crawler.items import ArticleItem
from crawler.replay import runstate
from crawler.replay.exchanges import Exchange, ExchangeGrouper, source_for_host, warc_fields
from crawler.replay.extraction import ExtractionTask, Outcome
from crawler.replay.frontpages import FrontPageReplay, is_front_page
from crawler.replay.originals import OriginalFinder
from crawler.replay.window import ExtractionWindow
from crawler.settings import NEWSARCHIVE_EXTRACT_TIMEOUT
from crawler.storage.articles import ArticleStore, StoreCounts
from crawler.storage.captures import CaptureStore
from crawler.warc import records
from crawler.warc.capture import CaptureRow
from crawler.warc.reader import BadRecord, RecordLocation, WarcRecord, iter_file

log = logging.getLogger(__name__)

MAX_REPORTED = 100
"""Bad records listed in the run's stats (all are logged)."""


@dataclass(frozen=True)
class ReplayOptions:
    mode: str = "default"
    processes: int = 2
    resume: bool = True
    """Skip files an earlier replay into this database finished."""
    batch_size: int = 200
    """Articles per store transaction (captures: five times as many rows)."""
    sources: Sequence[SourceConfig] = ()
    """Configured sources: who a response without a metadata record belongs to (by ``allowed_domains``)."""
    search_dirs: Sequence[Path] = ()
    """Where else to look for a revisit's original (the configured archive)."""
    extraction_timeout: float = NEWSARCHIVE_EXTRACT_TIMEOUT
    """Seconds one article may take to extract before it is given up, as in a crawl (0: no limit)."""
    max_page_size: int = CrawlConfig.max_page_size
    """``[crawl] max_page_size``: the page size limit of a source that sets none (or is not configured). A response
    is decoded under its source's limit, as the crawl decoded it: what the crawl refused to inflate is not extracted."""

    def page_size(self, source: str) -> int:
        """The crawl's page size limit for ``source`` (by the configuration, as ``RunSpec.for_source`` takes it)."""
        configured = next((item for item in self.sources if item.name == source), None)
        return (configured.max_page_size if configured else None) or self.max_page_size


@dataclass
class ReplayStats:
    files: int = 0
    files_skipped: int = 0
    records: int = 0
    bytes: int = 0
    bad_records: int = 0
    captures_new: int = 0
    article_responses: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    not_article: int = 0
    extraction_errors: int = 0
    extraction_timeouts: int = 0
    no_metadata_skipped: int = 0
    revisits: int = 0
    revisits_unresolved: int = 0
    front_pages: int = 0
    bad: list[dict[str, Any]] = field(default_factory=list)
    files_done: list[tuple[str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def articles_stored(self) -> int:
        return self.articles_new + self.articles_updated + self.articles_unchanged


ProgressCallback = Callable[[int, int], None]
"""Called with (records, bytes) read since the last call."""


@dataclass(frozen=True)
class _FileDone:
    path: Path
    size: int
    records: int
    run_id: int | None


class Replayer:
    """Replays WARC files into the database on one (autocommit) connection; see :meth:`run`."""

    def __init__(
        self,
        conn: psycopg.Connection,
        options: ReplayOptions,
        *,
        on_progress: ProgressCallback | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.conn = conn
        self.options = options
        self.on_progress = on_progress or (lambda records, nbytes: None)
        self.stop = stop or threading.Event()
        self.stats = ReplayStats()
        self.articles = ArticleStore(conn, recheck={source.name: source.recheck for source in options.sources})
        self.captures = CaptureStore(conn)
        self.front_pages = FrontPageReplay(conn, options.sources, options.batch_size)
        self.run_id: int | None = None
        self._rows: list[CaptureRow] = []
        self._items: list[tuple[ArticleItem, RecordLocation]] = []
        self._originals: OriginalFinder | None = None
        self._window: ExtractionWindow | None = None

    # --- the run -----------------------------------------------------------------------------------------------

    def run(self, files: Sequence[Path], run_id: int | None = None) -> ReplayStats:
        """Replay ``files`` (oldest first); progress is saved on ``run_id``'s row after each file."""
        self.run_id = run_id
        done = runstate.files_done(self.conn) if self.options.resume else set()
        self._originals = OriginalFinder(self.conn, files, self.options.search_dirs)
        self._window = ExtractionWindow(
            self.options.processes, self._take, self._file_done, timeout=self.options.extraction_timeout
        )
        try:
            for path in files:
                if self.stop.is_set():
                    break
                try:
                    size = path.stat().st_size
                    if (path.name, size) in done:
                        self.stats.files_skipped += 1
                        self.on_progress(0, size)
                        continue
                    self._replay_file(path, size)
                except OSError as error:  # gone or unreadable: the other files are still worth replaying
                    self.report(RecordLocation(path, 0), f"cannot read the file: {error}")
            self._window.drain()
            self._flush()
        except BaseException:
            self._window.abort()
            raise
        self._window.close()
        return self.stats

    def _replay_file(self, path: Path, size: int) -> None:
        log.info("replaying %s", path)
        self.stats.files += 1
        grouper = ExchangeGrouper(
            lambda exchange, info: self._exchange(path, exchange, info),
            lambda record, info: self._single(path, record, info),
        )
        for event in iter_file(path):
            if self.stop.is_set():
                return
            if isinstance(event, BadRecord):
                self.report(RecordLocation(path, event.offset), event.reason)
                continue
            self.stats.records += 1
            self.stats.bytes += event.length if event.indexable else 0
            self.on_progress(1, event.length if event.indexable else 0)
            grouper.add(event)
        grouper.finish()
        self._window.mark(_FileDone(path, size, grouper.records, grouper.run_id))

    # --- one exchange ------------------------------------------------------------------------------------------

    def _exchange(self, path: Path, exchange: Exchange, info: dict[str, str]) -> None:
        try:
            self._index_and_extract(path, exchange, info)
        except (ValueError, KeyError, TypeError, UnicodeError) as error:
            self.report(RecordLocation(path, exchange.first.offset), f"unreadable record headers: {error}")

    def _index_and_extract(self, path: Path, exchange: Exchange, info: dict[str, str]) -> None:
        """Index an exchange's records; queue its extraction when it is an article."""
        kind = (exchange.fields or {}).get("page-kind")
        source = (exchange.fields or {}).get("source") or info.get("source")
        for record in exchange.members:
            self._add_row(path, record, info, kind)
        first = exchange.first
        if first.rec_type == "response":
            self._originals.remember(first, path)
        if source and is_front_page(exchange.fields, first):
            self._front_page(path, first, source)
        if kind is None:
            source, kind = self._fallback(first)
        if kind not in ("article", "imported") or not source:
            return
        status = first.status
        if status is None or not 200 <= status < 300:
            return  # a redirect hop or an error page: the live spider never saw it as an article
        self.stats.article_responses += 1
        payload = self._payload(path, first)
        if payload is None:
            return
        url = first.header("WARC-Target-URI") or ""
        task = ExtractionTask(
            url=url,
            status=status,
            headers=first.http_headers,
            payload=payload,
            source=source,
            record_id=first.record_id,
            seen_at=records.parse_warc_date(first.header("WARC-Date")),
            mode=self.options.mode,
            where=RecordLocation(path, first.offset),
            max_page_size=self.options.page_size(source),
        )
        imported = wayback.parse_raw_url(url) if kind == "imported" else None
        if imported is not None:
            # As the live import stored it: the publisher's page, seen when the Wayback Machine captured it.
            base, capture = imported
            task = replace(
                task, page_url=capture.original, seen_at=capture.captured_at, imported_from=capture.replay_url(base)
            )
        self._window.submit(task)

    def _front_page(self, path: Path, first: WarcRecord, source: str) -> None:
        payload = self._payload(path, first)
        if payload is not None:
            self.front_pages.add(first, source, payload)

    def _single(self, path: Path, record: WarcRecord, info: dict[str, str]) -> None:
        """Index a record that belongs to no exchange (warcinfo, a stray request or metadata record)."""
        kind = warc_fields(record.payload).get("page-kind") if record.rec_type == "metadata" else None
        try:
            self._add_row(path, record, info, kind)
        except (ValueError, KeyError, TypeError, UnicodeError) as error:
            self.report(RecordLocation(path, record.offset), f"unreadable record headers: {error}")

    def _payload(self, path: Path, first: WarcRecord) -> bytes | None:
        if first.rec_type != "revisit":
            return first.payload
        # Identical payload digest: the live crawl received the original's bytes with the revisit's headers.
        self.stats.revisits += 1
        original = self._originals.original(first)
        if isinstance(original, str):
            self.stats.revisits_unresolved += 1
            self.report(RecordLocation(path, first.offset), f"revisit not replayed: {original}")
            return None
        return original.payload

    def _fallback(self, first: WarcRecord) -> tuple[str | None, str | None]:
        """No metadata record (a foreign WARC): a 200 HTML page under a configured source's domains is an article."""
        content_type = (first.http_header(b"content-type") or b"").decode("latin-1").split(";")[0].strip().lower()
        host = urlsplit(first.header("WARC-Target-URI") or "").hostname or ""
        if first.rec_type == "response" and first.status == 200 and content_type == "text/html":
            source = source_for_host(self.options.sources, host)
            if source:
                return source, "article"
        if first.rec_type in ("response", "revisit"):
            self.stats.no_metadata_skipped += 1
        return None, None

    def _add_row(self, path: Path, record: WarcRecord, info: dict[str, str], kind: str | None) -> None:
        if not record.indexable:
            return
        run_id = info.get("run-id", "")
        row = records.capture_row(
            record.record,
            path.name,
            record.offset,
            record.length,
            source=info.get("source") or None,
            run_id=int(run_id) if run_id.isdigit() else None,
            page_kind=kind,
        )
        self._rows.append(row)
        if len(self._rows) >= 5 * self.options.batch_size:
            self._flush_rows()

    # --- results, in capture order -----------------------------------------------------------------------------

    def _take(self, outcome: Outcome) -> None:
        if outcome.item is not None:
            self._items.append((outcome.item, outcome.where))
            if len(self._items) >= self.options.batch_size:
                self._flush_items()
        elif outcome.not_article is not None:
            self.stats.not_article += 1
            log.debug("%s: not an article (%s)", outcome.where, outcome.not_article)
        elif outcome.timed_out:
            # The crawl's rule: a page over the limit stays in the WARCs only.
            self.stats.extraction_timeouts += 1
            self.report(outcome.where, f"extraction given up: {outcome.error}")
        else:
            self.stats.extraction_errors += 1
            self.report(outcome.where, f"extraction failed: {outcome.error}")

    def _file_done(self, done: _FileDone) -> None:
        self._flush()
        # warc_files too, so revisits in later replays find this file by name, as after a live crawl.
        self.captures.file_closed(done.path.name, done.path.resolve(), done.size, done.records, done.run_id)
        self.stats.files_done.append((done.path.name, done.size))
        if self.run_id is not None:
            runstate.save_progress(self.conn, self.run_id, self.stats.as_dict())
        log.info("replayed %s", done.path)

    def _flush(self) -> None:
        self._flush_rows()
        self._flush_items()
        self.front_pages.flush()
        self.stats.front_pages = self.front_pages.stored

    def _flush_rows(self) -> None:
        rows, self._rows = self._rows, []
        self.stats.captures_new += self.captures.add_captures(rows)

    def _flush_items(self) -> None:
        batch, self._items = self._items, []
        try:
            self._count(self.articles.store_many([item for item, _ in batch]))
        except psycopg.OperationalError:
            raise  # the database is gone: nothing more can be stored
        except psycopg.DatabaseError:
            if len(batch) == 1:
                raise
            # One article the database refuses must not cost the batch: store them one by one.
            for item, where in batch:
                try:
                    self._count(self.articles.store_many([item]))
                except psycopg.OperationalError:
                    raise
                except psycopg.DatabaseError as error:
                    self.report(where, f"article not stored: {error}".strip())

    def _count(self, counts: StoreCounts) -> None:
        self.stats.articles_new += counts.new
        self.stats.articles_updated += counts.updated
        self.stats.articles_unchanged += counts.unchanged

    def report(self, where: RecordLocation, reason: str) -> None:
        self.stats.bad_records += 1
        log.warning("%s: %s; skipped", where, reason)
        if len(self.stats.bad) < MAX_REPORTED:
            self.stats.bad.append({"file": str(where.path), "offset": where.offset, "reason": reason})


@dataclass(frozen=True)
class ReplayResult:
    status: str
    """``finished``, ``degraded`` (some records skipped), ``failed`` (nothing readable), ``cancelled``."""
    stats: ReplayStats
    run_id: int


def replay_files(
    conn: psycopg.Connection,
    files: Sequence[Path],
    options: ReplayOptions,
    *,
    on_progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> ReplayResult:
    """Replay ``files`` as one ``crawl_runs`` row (trigger ``replay``); raises ``RunAlreadyRunning`` when another
    replay into this database is running."""
    run_id = runstate.start(conn)
    replayer = Replayer(conn, options, on_progress=on_progress, stop=stop)
    try:
        stats = replayer.run(files, run_id)
    except BaseException as error:
        try:
            runstate.finish(conn, run_id, "failed", replayer.stats.as_dict(), f"{type(error).__name__}: {error}")
        except psycopg.Error:
            log.warning("could not record the failed replay run %d", run_id)
        raise
    status = _status(stats, replayer.stop.is_set())
    runstate.finish(conn, run_id, status, stats.as_dict(), None)
    return ReplayResult(status, stats, run_id)


def _status(stats: ReplayStats, stopped: bool) -> str:
    if stopped:
        return "cancelled"
    if stats.files and not stats.records:
        return "failed"
    if stats.bad_records:
        return "degraded"
    return "finished"
