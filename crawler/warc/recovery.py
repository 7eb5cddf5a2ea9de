"""Crash recovery: close the `.open` WARC files no live process holds, cut to their last complete record."""

from __future__ import annotations

import fcntl
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from crawler.errors import ArchiveError
from crawler.warc.capture import CaptureRow
from crawler.warc.reader import capture_rows, iter_complete_records
from crawler.warc.writer import OPEN_SUFFIX, fsync_directory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecoveredFile:
    path: Path
    """The final ``.warc.gz`` path (which no longer exists when ``removed``)."""
    original_size: int
    size: int
    """Bytes kept: the end of the last complete record."""
    rows: list[CaptureRow] = field(default_factory=list)
    """Every complete record left in the file, for storage to insert where missing."""
    removed: bool = False
    """The file held no complete record at all and was deleted."""

    @property
    def cut_bytes(self) -> int:
        return self.original_size - self.size


def recover_archive(directory: Path | str) -> list[RecoveredFile]:
    """Recover every abandoned ``.open`` file under ``directory`` (recursively); files in use are left alone."""
    recovered = []
    for path in sorted(Path(directory).rglob(f"*.warc.gz{OPEN_SUFFIX}")):
        result = recover_file(path)
        if result is not None:
            recovered.append(result)
    return recovered


def recover_file(path: Path) -> RecoveredFile | None:
    """Recover one ``.open`` file; None when a live writer holds it (or it was closed meanwhile)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        if not _lock_abandoned(fd, path):
            return None
        return _recover_locked(fd, path)
    except OSError as error:
        raise ArchiveError(f"cannot recover {path}: {error}") from error
    finally:
        os.close(fd)


def _lock_abandoned(fd: int, path: Path) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log.debug("%s is held by a live writer", path)
        return False
    # The writer renames before it unlocks: if the name now points elsewhere, the file was closed properly.
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _recover_locked(fd: int, path: Path) -> RecoveredFile:
    original_size = os.fstat(fd).st_size
    with open(fd, "rb", closefd=False) as stream:
        members = list(iter_complete_records(stream))
    size = members[-1].offset + members[-1].length if members else 0
    final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    if not members:
        os.unlink(path)
        fsync_directory(path.parent)
        log.warning("removed %s: no complete record", path)
        return RecoveredFile(final, original_size, 0, removed=True)
    if size < original_size:
        os.ftruncate(fd, size)
    os.fsync(fd)
    os.rename(path, final)
    fsync_directory(path.parent)
    log.warning("recovered %s: %d records kept, %d bytes cut", final.name, len(members), original_size - size)
    return RecoveredFile(final, original_size, size, capture_rows(members, final.name))


def recover_and_index(directory: Path | str) -> list[RecoveredFile]:
    """:func:`recover_archive`, then a CDXJ index for every file it closed, so replay tools find those records."""
    from crawler.warc.cdxj import index_file

    recovered = recover_archive(directory)
    for item in recovered:
        if not item.removed:
            index_file(item.path)
    return recovered
