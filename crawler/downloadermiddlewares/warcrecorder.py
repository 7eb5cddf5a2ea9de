"""Downloader middleware that records every HTTP exchange into WARC files (response/revisit, request, metadata)."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet.defer import Deferred, DeferredList
from twisted.internet.threads import deferToThread

from crawler import __version__, statkeys
from crawler import settings as defaults
from crawler import signals as our_signals
from crawler.downloadermiddlewares.maxsize import TRUNCATED_META
from crawler.errors import ArchiveError
from crawler.warc import records
from crawler.warc.capture import PAGE_KINDS, CaptureRow
from crawler.warc.cdxj import index_file
from crawler.warc.writer import ClosedFile, WarcFileWriter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

log = logging.getLogger(__name__)

RECORD_ID_META = "warc_record_id"
DATE_META = "warc_date"


@dataclass(frozen=True)
class Original:
    """The first capture of a payload: what a revisit record points at."""

    record_id: str
    target_uri: str
    date: str
    """Its WARC-Date, verbatim."""


DedupIndex = dict[str, Original]


class WarcRecorderMiddleware:
    """Writes each exchange that reaches the downloader as one record group; enable at order 950.

    Above HttpCache (900), so cached responses are seen and skipped (they are flagged ``cached``); below Redirect
    (600), Retry (550) and HttpCompression (590), so every hop and retry is recorded with the body still encoded.
    """

    def __init__(
        self, crawler: Crawler, writer: WarcFileWriter, dedup: DedupIndex, source: str | None, cdxj: bool = True
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.writer = writer
        self.dedup = dedup
        self.source = source
        self.run_id = writer.run_id
        self.cdxj = cdxj
        self._indexing: list[Deferred] = []
        writer.on_close = self._file_closed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecorderMiddleware:
        settings = crawler.settings
        if not settings.getbool("NEWSARCHIVE_WARC_ENABLED", defaults.NEWSARCHIVE_WARC_ENABLED):
            raise NotConfigured("NEWSARCHIVE_WARC_ENABLED is off")
        source = settings.get("NEWSARCHIVE_SOURCE") or None
        writer = WarcFileWriter(
            Path(settings.get("NEWSARCHIVE_WARC_DIR") or "data/archive"),
            settings.get("NEWSARCHIVE_WARC_PREFIX") or source or "newsarchive",
            warcinfo=warcinfo_fields(settings),
            max_file_size=settings.getint("NEWSARCHIVE_WARC_MAX_FILE_SIZE", defaults.NEWSARCHIVE_WARC_MAX_FILE_SIZE),
            gzip_level=settings.getint("NEWSARCHIVE_WARC_GZIP_LEVEL", defaults.NEWSARCHIVE_WARC_GZIP_LEVEL),
            source=source,
            run_id=settings.getint("NEWSARCHIVE_RUN_ID", 0) or None,
        )
        cdxj = settings.getbool("NEWSARCHIVE_WARC_CDXJ", defaults.NEWSARCHIVE_WARC_CDXJ)
        middleware = cls(crawler, writer, load_dedup_index(settings), source, cdxj)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        truncated_length = request.meta.pop(TRUNCATED_META, None)
        if "cached" in response.flags or not response.url.startswith(("http://", "https://")):
            # Not an HTTP exchange of this run (cache, data:, file:). Meta copied from an earlier, recorded hop
            # must not point the spider at the wrong capture.
            request.meta.pop(RECORD_ID_META, None)
            request.meta.pop(DATE_META, None)
            return response
        truncated = truncation(response, truncated_length)
        moment = datetime.now(UTC)
        group, kind = self._build_group(request, response, moment, truncated)
        try:
            self.write_records(group, kind)
        except ArchiveError:
            raise IgnoreRequest(f"WARC write failed for {request.url}") from None
        self._remember(group[0], response, truncated)
        if truncated:
            self.stats.inc_value("newsarchive/warc/truncated")
        request.meta[RECORD_ID_META] = group[0].rec_headers.get_header("WARC-Record-ID")
        request.meta[DATE_META] = moment
        return response

    def write_records(self, group: list[records.Record], kind: str) -> list[CaptureRow]:
        """Write one record group (an exchange, or a render's resources) and tell storage; its captures rows.

        A failed write is counted and stops the crawl (the archive is the record); it is raised as ArchiveError.
        """
        try:
            rows = self.writer.write_group(group, kind)
        except ArchiveError as error:
            self._write_failed(error)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="warc_error"))
            raise
        self._account(rows)
        self.crawler.signals.send_catch_log(signal=our_signals.warc_records_written, rows=rows)
        return rows

    def _write_failed(self, error: ArchiveError) -> None:
        """Log the first failure once, with its cause, and keep it in the stats (the run row says why)."""
        if not self.stats.get_value(statkeys.WARC_ERRORS):
            log.error("WARC write failed; stopping the crawl (no capture, no item for this page): %s", error)
            self.stats.set_value(statkeys.WARC_ERROR, str(error))
        else:
            log.debug("WARC write failed again: %s", error)
        self.stats.inc_value(statkeys.WARC_ERRORS)

    async def spider_closed(self, spider: object = None, reason: str | None = None) -> None:
        """Close the current file; Scrapy waits for this coroutine (the CDXJ indexes still being written)."""
        self.close_archive()
        if self._indexing:
            await maybe_deferred_to_future(DeferredList(self._indexing))

    def close_archive(self) -> None:
        """Close the WARC being written (its CDXJ index is written on a thread)."""
        self.writer.close()

    def _build_group(
        self, request: Request, response: Response, moment: datetime, truncated: str | None
    ) -> tuple[list[records.Record], str]:
        date = records.warc_date(moment)
        first = self._first_record(response, date, truncated)
        response_id = first.rec_headers.get_header("WARC-Record-ID")
        request_head = records.request_head(request.method, request.url, request.headers, request.body)
        kind = page_kind(request)
        request_record = records.request_record(
            response.url,
            request_head,
            request.body,
            record_id=records.new_record_id(),
            date=date,
            concurrent_to=response_id,
        )
        metadata = records.metadata_record(
            response.url,
            self._metadata(request, kind),
            record_id=records.new_record_id(),
            date=date,
            concurrent_to=response_id,
        )
        return [first, request_record, metadata], kind

    def _first_record(self, response: Response, date: str, truncated: str | None) -> records.Record:
        """The response record, or a revisit when an earlier capture has the same payload (rule 6)."""
        body = response.body
        digest = records.payload_digest(body)
        ip = str(response.ip_address) if response.ip_address else None
        head = records.response_head(response.protocol, response.status, _header_pairs(response.headers), len(body))
        record_id = records.new_record_id()
        original = self.dedup.get(digest) if _dedupable(response.status, body, truncated) else None
        if original is None:
            return records.response_record(
                response.url,
                head,
                body,
                record_id=record_id,
                date=date,
                digest=digest,
                ip_address=ip,
                truncated=truncated,
            )
        return records.revisit_record(
            response.url,
            head,
            record_id=record_id,
            date=date,
            digest=digest,
            refers_to=original.record_id,
            refers_to_uri=original.target_uri,
            refers_to_date=original.date,
            ip_address=ip,
        )

    def _remember(self, first: records.Record, response: Response, truncated: str | None) -> None:
        """Make a written response the original of later identical payloads."""
        if first.rec_type != "response" or not _dedupable(response.status, response.body, truncated):
            return
        headers = first.rec_headers
        self.dedup.setdefault(
            headers.get_header("WARC-Payload-Digest"),
            Original(headers.get_header("WARC-Record-ID"), response.url, headers.get_header("WARC-Date")),
        )

    def _metadata(self, request: Request, kind: str) -> dict[str, Any]:
        referer = request.headers.get(b"Referer")
        return {
            "source": self.source,
            "page-kind": kind,
            "run-id": self.run_id,
            "via": referer.decode("latin-1") if referer else None,
            "depth": request.meta.get("depth"),
            "front-page": "true" if request.meta.get("front_page") else None,  # a start URL: its links are history
        }

    def _account(self, rows: list[CaptureRow]) -> None:
        self.stats.inc_value("newsarchive/warc/records", len(rows))
        self.stats.inc_value(statkeys.WARC_BYTES, sum(row.length for row in rows))
        if any(row.record_type == "revisit" for row in rows):
            self.stats.inc_value("newsarchive/warc/revisits")

    def _file_closed(self, closed: ClosedFile) -> None:
        self.stats.inc_value("newsarchive/warc/files")
        self.crawler.signals.send_catch_log(
            signal=our_signals.warc_file_closed, path=closed.path, size=closed.size, records=closed.records
        )
        if self.cdxj:
            # Off the reactor thread: indexing reads the whole file back.
            indexing = deferToThread(index_file, closed.path)
            indexing.addErrback(lambda failure: log.error("CDXJ index of %s failed: %s", closed.path, failure.value))
            self._indexing.append(indexing)


def recorder_of(crawler: Crawler) -> WarcRecorderMiddleware | None:
    """The crawl's recorder (None when recording is off): other components write their records through it."""
    engine = crawler.engine
    middlewares = engine.downloader.middleware.middlewares if engine else ()
    return next((found for found in middlewares if isinstance(found, WarcRecorderMiddleware)), None)


def truncation(response: Response, size_limit_mark: str | None) -> str | None:
    """The WARC-Truncated value: ``length`` for our size limit, ``disconnect`` for data loss, else unspecified."""
    if "dataloss" in response.flags:
        return "disconnect"
    if "download_stopped" in response.flags:
        # Another StopDownload (a spider's own signal handler) cut it for a reason we cannot name.
        return size_limit_mark or "unspecified"
    return None


def _header_pairs(headers: Headers) -> list[tuple[bytes, bytes]]:
    # Scrapy keeps repeated headers as a list per name; the archive writes one line each, in received order.
    return [(name, value) for name, values in headers.items() for value in values]


def _dedupable(status: int, body: bytes, truncated: str | None) -> bool:
    return 200 <= status < 300 and bool(body) and not truncated


def page_kind(request: Request) -> str:
    """What the page was to the crawl: ``request.meta["page_kind"]``, robots for robots.txt, else other."""
    kind = request.meta.get("page_kind")
    if kind in PAGE_KINDS:
        return kind
    if urlsplit(request.url).path == "/robots.txt":
        return "robots"
    return "other"


def warcinfo_fields(settings: BaseSettings) -> dict[str, Any]:
    """The warcinfo block: who wrote the file and how. Only named settings: never the database URL."""
    return {
        "software": f"newsarchive/{__version__} (Scrapy, warcio)",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "hostname": socket.gethostname(),
        "operator": settings.get("NEWSARCHIVE_WARC_OPERATOR") or None,
        "isPartOf": settings.get("NEWSARCHIVE_SOURCE") or None,
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": settings.get("USER_AGENT") or None,
    }


def load_dedup_index(settings: BaseSettings) -> DedupIndex:
    """Digests archived by earlier runs, from ``NEWSARCHIVE_WARC_DEDUP_LOADER`` (``load(settings) -> dict``)."""
    path = settings.get("NEWSARCHIVE_WARC_DEDUP_LOADER")
    if not path:
        return {}
    try:
        loaded = load_object(path)(settings)
    except Exception:  # a failed preload only costs revisits; the crawl (and its archive) must go on
        log.exception("could not preload the revisit index from %s; starting empty", path)
        return {}
    index = {digest: Original(rid, uri, _as_warc_date(date)) for digest, (rid, uri, date) in loaded.items()}
    log.info("revisit index preloaded with %d digests", len(index))
    return index


def _as_warc_date(value: datetime | str) -> str:
    return value if isinstance(value, str) else records.warc_date(value)
