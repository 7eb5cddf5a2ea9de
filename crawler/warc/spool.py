"""The local spool of an object-store archive: closed WARCs and their CDXJ indexes wait here until uploaded.

Crawls write into the spool exactly as into a local archive (``.open`` files, flock, rotation, recovery). Shipping
takes each closed file, uploads the WARC and then its index, proves each object equals the local bytes, and only
then deletes the local copies. Anything that fails leaves the file where it was for the next run or
``newsarchive archive upload``: the spool is the queue, so nothing is lost while the store is away.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from crawler.errors import ArchiveError
from crawler.warc.cdxj import INDEX_DIR, index_file, index_path
from crawler.warc.objectstore import ObjectStore, StoreUnavailable

log = logging.getLogger(__name__)

BeforeUpload = Callable[[Path], None]
"""Called with a closed WARC before it is sent (index it in the database if a crash kept it out)."""
AfterUpload = Callable[[Path, str], None]
"""Called with the local path and the object URI once both objects are verified; raising keeps the spool copy."""


@dataclass
class ShipReport:
    uploaded: list[str] = field(default_factory=list)
    """URIs of the WARCs now in the store."""
    uploaded_bytes: int = 0
    seconds: float = 0.0
    pending_files: int = 0
    """Closed WARCs still in the spool afterwards (failed, or held by another shipper)."""
    pending_bytes: int = 0
    error: str | None = None
    """Why files are pending: the first failure, one line."""
    refused: bool = False


@dataclass(frozen=True)
class Backlog:
    files: int
    bytes: int


def spooled_files(spool: Path) -> list[Path]:
    """Closed WARC files in the spool, oldest name first (``.open`` files are still being written)."""
    if not spool.is_dir():
        return []
    return sorted(path for path in spool.rglob("*.warc.gz") if path.is_file() and INDEX_DIR not in path.parts)


def backlog(spool: Path) -> Backlog:
    files = spooled_files(spool)
    return Backlog(len(files), sum(path.stat().st_size for path in files))


def ship_spool(
    spool: Path,
    store: ObjectStore,
    *,
    before_upload: BeforeUpload | None = None,
    after_upload: AfterUpload | None = None,
) -> ShipReport:
    """Upload every closed WARC (and its CDXJ index) in ``spool``; stop at the first store outage."""
    import time

    report = ShipReport()
    started = time.monotonic()
    for path in spooled_files(spool):
        try:
            with _exclusive(path) as held:
                if not held:
                    continue  # another run is shipping it right now
                size = path.stat().st_size
                uri = _ship_one(path, spool, store, before_upload, after_upload)
        except StoreUnavailable as error:
            report.error, report.refused = str(error), error.refused
            break  # the next file would fail the same way, after the same timeouts
        except (ArchiveError, OSError) as error:
            report.error = report.error or f"{path.name}: {error}"
            log.error("could not ship %s: %s", path.name, error)
            continue
        except Exception as error:  # the database callback: keep the file, say why, go on with the others
            report.error = report.error or f"{path.name}: {type(error).__name__}: {error}"
            log.error("shipped %s but could not record it (kept in the spool): %s", path.name, error)
            continue
        report.uploaded.append(uri)
        report.uploaded_bytes += size
    report.seconds = time.monotonic() - started
    left = backlog(spool)
    report.pending_files, report.pending_bytes = left.files, left.bytes
    return report


def _ship_one(
    path: Path, spool: Path, store: ObjectStore, before: BeforeUpload | None, after: AfterUpload | None
) -> str:
    relative = path.relative_to(spool).as_posix()
    index = index_path(path)
    if not index.exists():
        index_file(path)  # the crawl indexes on close; a forced stop or a crash may have skipped it
    if before:
        before(path)
    if store.holds_copy_of(path, relative):
        uri = store.location.uri(relative)
        log.info("%s is in the store already; not sent again", path.name)
    else:
        uri = store.upload_verified(path, relative)
    store.upload_verified(index, index.relative_to(spool).as_posix())
    if after:
        after(path, uri)
    # The index goes last: a crash between the two unlinks leaves an index, which the next shipping rewrites.
    path.unlink()
    index.unlink(missing_ok=True)
    log.info("uploaded %s to %s", path.name, uri)
    return uri


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[bool]:
    """Hold a non-blocking flock on the spool file while shipping it: two runs on one host share a spool."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        yield False  # shipped and removed by another run since we listed it
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield path.exists()
    finally:
        os.close(fd)
