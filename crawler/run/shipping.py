"""After a run: ship the spool of an object-store archive, and say in the run's stats what is still waiting."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crawler import statkeys
from crawler.config.schema import ArchiveConfig
from crawler.errors import DatabaseUnavailable
from crawler.warc.objectstore import ObjectStore, StoreSettings, StoreUnavailable, parse_store_uri
from crawler.warc.spool import ShipReport, backlog, ship_spool

log = logging.getLogger(__name__)


def object_store(archive: ArchiveConfig) -> ObjectStore | None:
    """The configured store, or None for a local archive."""
    if not archive.store:
        return None
    return ObjectStore(parse_store_uri(archive.store), StoreSettings(archive.endpoint_url, archive.region))


def check_store(archive: ArchiveConfig) -> None:
    """Before crawling: raise StoreUnavailable if the store refuses our credentials or bucket (an operator's
    mistake that waiting will not mend); an unreachable store only warns, since the spool holds the files."""
    store = object_store(archive)
    if store is None:
        return
    try:
        store.check()
    except StoreUnavailable as error:
        if error.refused:
            raise
        log.warning("%s: crawling into the spool; the files are uploaded once it is back", error)


def ship_archive(archive: ArchiveConfig, database_url: str) -> ShipReport | None:
    """Upload what the spool holds; None for a local archive. The ``warc_files`` rows follow the objects.

    With a database configured but unreachable nothing is shipped: a row still naming the spool copy would point
    at a deleted file. The files wait, as they do when the store is away.
    """
    store = object_store(archive)
    if store is None:
        return None
    try:
        with _captures(database_url) as captures:
            report = ship_spool(
                archive.dir,
                store,
                before_upload=_index_if_missing(captures),
                after_upload=(lambda path, uri: captures.file_stored(path.name, uri)) if captures else None,
            )
    except DatabaseUnavailable as error:
        report = _waiting(archive.dir, f"not uploaded while the database is away: {error}")
    _log(report, store)
    return report


def _waiting(spool: Path, error: str) -> ShipReport:
    left = backlog(spool)
    return ShipReport(pending_files=left.files, pending_bytes=left.bytes, error=error)


def add_to_stats(stats: dict[str, Any] | None, report: ShipReport | None) -> dict[str, Any] | None:
    """The run's stats with the shipping's figures added (None stays None: a crawl that reported nothing)."""
    if stats is None or report is None:
        return stats
    shipped = {
        statkeys.STORE_UPLOADED_FILES: len(report.uploaded),
        statkeys.STORE_UPLOADED_BYTES: report.uploaded_bytes,
        statkeys.STORE_PENDING_FILES: report.pending_files,
        statkeys.STORE_PENDING_BYTES: report.pending_bytes,
    }
    if report.error and report.pending_files:
        shipped[statkeys.STORE_ERROR] = report.error
    return {**stats, **shipped}


@contextlib.contextmanager
def _captures(database_url: str) -> Iterator[Any]:
    if not database_url:
        yield None
        return
    from crawler.storage.captures import CaptureStore
    from crawler.storage.database import connect

    with connect(database_url, autocommit=True) as conn:
        yield CaptureStore(conn)


def _index_if_missing(captures: Any) -> Any:
    if captures is None:
        return None

    def index(path: Path) -> None:
        missing = captures.unindexed_files([path])
        if missing:
            captures.index_files(missing)  # a crash kept its records out of the database; they go in first

    return index


def _log(report: ShipReport, store: ObjectStore) -> None:
    if report.uploaded:
        rate = report.uploaded_bytes / 1e6 / max(report.seconds, 1e-6)
        log.info(
            "uploaded %d WARC file(s), %d bytes, to %s (%.1f MB/s)",
            len(report.uploaded),
            report.uploaded_bytes,
            store.location,
            rate,
        )
    if report.pending_files:
        log.warning(
            "%d WARC file(s), %d bytes, wait in the spool: %s",
            report.pending_files,
            report.pending_bytes,
            report.error or "held by another run",
        )
