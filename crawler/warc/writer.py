"""The rotating WARC file writer: `.open` files under flock, record groups, fsync and rename on close."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import socket
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from crawler import settings as defaults
from crawler.errors import ArchiveError
from crawler.warc import records
from crawler.warc.capture import CaptureRow, ClosedFile

log = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
CREATING_SUFFIX = ".creating"
"""A new file's name for the instant before it is locked and given its ``.open`` name (see ``_create_locked``)."""


def safe_host(hostname: str | None = None) -> str:
    """The host part of a file name: the machine's name with anything but ``[A-Za-z0-9.-]`` replaced."""
    return re.sub(r"[^A-Za-z0-9.-]", "_", hostname or socket.gethostname()) or "localhost"


def safe_prefix(prefix: str) -> str:
    """The prefix part of a file name: a configured value, so no ``/`` or ``..`` may lead out of the archive."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", prefix).lstrip(".") or "newsarchive"


def timestamp17(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")[:17]


def fsync_directory(directory: Path) -> None:
    """Make a rename durable: the directory entry is data too."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create_locked(open_path: Path) -> int:
    """A new file at ``open_path``, already flocked when the name appears; FileExistsError if the name is taken.

    Created under a name recovery ignores, locked, then linked to the ``.open`` name: created there directly, another
    run's recovery could find it unlocked in the instant before the lock and take it for abandoned. O_EXCL and
    link() both refuse an existing name, so two writers that picked the same one never share a file.
    """
    creating = open_path.with_name(open_path.name + CREATING_SUFFIX)
    fd = os.open(creating, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.link(creating, open_path)
    except BaseException:
        os.close(fd)
        raise
    finally:
        os.unlink(creating)
    return fd


class _OpenFile:
    """One ``.open`` file: created exclusively, locked for its whole life, written with unbuffered ``os.write``."""

    def __init__(self, final_path: Path) -> None:
        self.final_path = final_path
        self.open_path = final_path.with_name(final_path.name + OPEN_SUFFIX)
        self.fd = _create_locked(self.open_path)
        self.size = 0
        self.records = 0

    def write(self, data: bytes) -> None:
        # Unbuffered: after a SIGKILL every completed write is in the page cache, so recovery finds it.
        view = memoryview(data)
        try:
            while view:
                written = os.write(self.fd, view)
                view = view[written:]
        except OSError:
            # A full disk or a size limit stops a write part way: cut the partial record off, so the file still
            # ends at a record boundary and closes as a valid WARC, and write on from there (not from the old file
            # position, which would leave a hole of zeros).
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, self.size)
                os.lseek(self.fd, self.size, os.SEEK_SET)
            raise
        self.size += len(data)

    def close(self) -> None:
        os.fsync(self.fd)
        os.rename(self.open_path, self.final_path)
        fsync_directory(self.final_path.parent)
        os.close(self.fd)  # releases the flock only after the final name exists

    def abandon(self) -> None:
        os.close(self.fd)


class WarcFileWriter:
    """Writes record groups into size-rotated WARC files; returns the captures-index rows of what it wrote.

    A group (response or revisit, request, metadata) never spans two files: rotation happens before a group that
    would push the current file past ``max_file_size``. Each file starts with a warcinfo record.
    """

    def __init__(
        self,
        directory: Path | str,
        prefix: str,
        *,
        warcinfo: Mapping[str, object],
        max_file_size: int = defaults.NEWSARCHIVE_WARC_MAX_FILE_SIZE,
        gzip_level: int = defaults.NEWSARCHIVE_WARC_GZIP_LEVEL,
        source: str | None = None,
        run_id: int | None = None,
        hostname: str | None = None,
        on_close: Callable[[ClosedFile], None] | None = None,
    ) -> None:
        if not 0 <= gzip_level <= 9:
            raise ValueError(f"gzip level must be 0..9, not {gzip_level}")
        self.directory = Path(directory)
        self.prefix = safe_prefix(prefix)
        # Recovery reads source and run back from warcinfo when a crash lost the rows.
        self.warcinfo = {"source": source, "run-id": run_id, **warcinfo}
        self.max_file_size = max_file_size
        self.gzip_level = gzip_level
        self.source = source
        self.run_id = run_id
        self.host = safe_host(hostname)
        self.on_close = on_close
        self.closed_files: list[ClosedFile] = []
        self._serial = 0
        self._file: _OpenFile | None = None

    @property
    def current_path(self) -> Path | None:
        """The ``.open`` path being written, if any."""
        return self._file.open_path if self._file else None

    def write_group(self, group: Sequence[records.Record], page_kind: str | None = None) -> list[CaptureRow]:
        """Write the records of one exchange contiguously in one file; the rows include a new file's warcinfo."""
        blobs = [records.serialize_record(record, self.gzip_level) for record in group]
        group_size = sum(len(blob) for blob in blobs)
        rows: list[CaptureRow] = []
        if self._file and self._file.records > 1 and self._file.size + group_size > self.max_file_size:
            self.close()
        if self._file is None:
            rows.append(self._open())
        current = self._file
        offset = current.size
        try:
            current.write(b"".join(blobs))
        except OSError as error:
            raise ArchiveError(f"cannot write {current.open_path}: {error}") from error
        current.records += len(group)
        name = current.final_path.name
        for record, blob in zip(group, blobs, strict=True):
            rows.append(self._row(record, name, offset, len(blob), page_kind))
            offset += len(blob)
        return rows

    def close(self) -> ClosedFile | None:
        """Finish the current file (fsync, rename to its final name); None when no file was open."""
        current, self._file = self._file, None
        if current is None:
            return None
        try:
            current.close()
        except OSError as error:
            current.abandon()
            raise ArchiveError(f"cannot close {current.open_path}: {error}") from error
        closed = ClosedFile(current.final_path, current.size, current.records)
        self.closed_files.append(closed)
        log.info("closed WARC %s (%d records, %d bytes)", closed.path.name, closed.records, closed.size)
        if self.on_close:
            self.on_close(closed)
        return closed

    def _open(self) -> CaptureRow:
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            now = datetime.now(UTC)
            final = self.directory / f"{self.prefix}-{timestamp17(now)}-{self._serial:05d}-{self.host}.warc.gz"
            self._serial += 1
            if final.exists():
                continue
            try:
                self._file = _OpenFile(final)
            except FileExistsError:
                continue
            except OSError as error:
                raise ArchiveError(f"cannot create {final}{OPEN_SUFFIX}: {error}") from error
            break
        record = records.warcinfo_record(
            final.name, self.warcinfo, record_id=records.new_record_id(), date=records.warc_date(now)
        )
        blob = records.serialize_record(record, self.gzip_level)
        try:
            self._file.write(blob)
        except OSError as error:
            raise ArchiveError(f"cannot write {self._file.open_path}: {error}") from error
        self._file.records = 1
        log.debug("opened WARC %s", self._file.open_path)
        return self._row(record, final.name, 0, len(blob), None)

    def _row(self, record: records.Record, name: str, offset: int, length: int, kind: str | None) -> CaptureRow:
        return records.capture_row(record, name, offset, length, source=self.source, run_id=self.run_id, page_kind=kind)
