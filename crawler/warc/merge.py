"""Merging closed WARC files: one large file holding the small ones' bytes unchanged, proven before it is used.

Per-record gzip makes a WARC file a sequence of independent members, so the merged file is the small files one
after another: every record keeps its bytes, id and digests, and moves by its file's offset. The merged file is
built under a name no reader lists (``….warc.gz.merging``), read back whole by warcio with digests checked, each
part's bytes compared with the source's, indexed (CDXJ), then put in place beside a manifest that hides the small
files (``crawler.warc.manifest``). Where the files live is a :class:`Folder`: a local directory, or a folder of
an object store (objects are immutable, so a merge writes a new object and deletes the old ones).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from cdxj_indexer.main import write_cdx_index

from crawler.errors import ArchiveError
from crawler.warc.cdxj import INDEX_DIR, index_path
from crawler.warc.manifest import (
    MANIFEST_DIR,
    MergeManifest,
    Part,
    local_manifests,
    manifest_name,
    manifest_path,
    store_manifests,
    write_manifest,
)
from crawler.warc.objectstore import ObjectStore
from crawler.warc.reader import verified_records
from crawler.warc.writer import fsync_directory

log = logging.getLogger(__name__)

WORK_SUFFIX = ".merging"
"""The merged file and its index while built: a name no reader lists, and the next merge clears."""
_CHUNK = 1 << 20

StepHook = Callable[[str], None]
"""Called after each step of a merge with its name (``built``, ``verified``, ``manifest``, ``indexed``,
``published``, ``switched``, ``removed-one``, ``removed``, ``done``): progress, and the kill tests' hook."""


@dataclass(frozen=True)
class SmallFile:
    name: str
    records: int


class Folder(Protocol):
    """Where a merge's files live: the parts, the merged file, its index and manifest."""

    work_dir: Path

    def open_part(self, name: str) -> BinaryIO: ...
    def has(self, name: str) -> bool: ...
    def put_manifest(self, manifest: MergeManifest) -> None: ...
    def publish(self, built: Path, index: Path, name: str) -> str: ...
    def remove(self, name: str) -> None: ...
    def drop_manifest(self, manifest: MergeManifest) -> None: ...
    def manifests(self) -> list[MergeManifest]: ...


def build(folder: Folder, parts: Sequence[SmallFile], merged: str) -> tuple[Path, MergeManifest]:
    """The parts concatenated into ``work_dir/<merged>.merging`` (fsynced), with each part's offset and SHA-256."""
    folder.work_dir.mkdir(parents=True, exist_ok=True)
    built = folder.work_dir / (merged + WORK_SUFFIX)
    placed: list[Part] = []
    with built.open("wb") as out:
        for part in parts:
            offset = out.tell()
            digest = hashlib.sha256()
            with folder.open_part(part.name) as source:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            placed.append(Part(part.name, offset, out.tell() - offset, part.records, digest.hexdigest()))
        out.flush()
        os.fsync(out.fileno())
    return built, MergeManifest(merged, tuple(placed))


def verify(built: Path, manifest: MergeManifest) -> None:
    """Prove ``built`` holds every part whole: warcio reads every record back with digests checked, the records
    start at each part's offset, none is doubled, the count is the parts' and each part's bytes are its source's."""
    found = verified_records(built)
    offsets = {offset for offset, _ in found}
    ids = [record_id for _, record_id in found]
    if len(found) != manifest.records or len(set(ids)) != len(ids):
        raise ArchiveError(
            f"{manifest.merged}: {len(found)} records ({len(set(ids))} distinct), not {manifest.records}"
        )
    if built.stat().st_size != manifest.size or not {part.offset for part in manifest.parts} <= offsets:
        raise ArchiveError(f"{manifest.merged}: the parts are not where the manifest says")
    with built.open("rb") as stream:
        for part in manifest.parts:
            stream.seek(part.offset)
            if _sha256(stream, part.size) != part.sha256:
                raise ArchiveError(f"{manifest.merged}: the bytes of {part.name} differ from the source's")


def index(built: Path, merged: str) -> Path:
    """The CDXJ index of the built file, naming it by its final name, beside it as ``….cdxj.merging``."""
    target = built.parent / INDEX_DIR / (merged + ".cdxj" + WORK_SUFFIX)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_cdx_index(str(target), [str(built)], {"sort": True, "filename": merged})
    return target


def clear_work(work_dir: Path) -> None:
    """Remove what a killed merge left half-built (the next merge builds it again from the parts)."""
    for pattern in (f"*{WORK_SUFFIX}", f"{INDEX_DIR}/*{WORK_SUFFIX}", f"{MANIFEST_DIR}/*.tmp"):
        for path in work_dir.glob(pattern):
            path.unlink(missing_ok=True)


def _sha256(stream: BinaryIO, size: int) -> str:
    digest = hashlib.sha256()
    while size > 0:
        chunk = stream.read(min(_CHUNK, size))
        if not chunk:
            break
        digest.update(chunk)
        size -= len(chunk)
    return digest.hexdigest()


class LocalFolder:
    """One directory of a local archive: the parts are its files, the merged file goes beside them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.work_dir = directory

    def open_part(self, name: str) -> BinaryIO:
        return (self.directory / name).open("rb")

    def has(self, name: str) -> bool:
        return (self.directory / name).is_file()

    def put_manifest(self, manifest: MergeManifest) -> None:
        write_manifest(manifest_path(self.directory, manifest.merged), manifest)

    def publish(self, built: Path, index: Path, name: str) -> str:
        final = self.directory / name
        os.replace(built, final)  # the moment readers switch: the manifest now hides the parts
        fsync_directory(self.directory)
        os.replace(index, index_path(final))
        fsync_directory(index.parent)
        return str(final)

    def remove(self, name: str) -> None:
        index_path(self.directory / name).unlink(missing_ok=True)
        (self.directory / name).unlink(missing_ok=True)
        fsync_directory(self.directory)

    def drop_manifest(self, manifest: MergeManifest) -> None:
        manifest_path(self.directory, manifest.merged).unlink(missing_ok=True)

    def manifests(self) -> list[MergeManifest]:
        return local_manifests(self.directory / MANIFEST_DIR)


class StoreFolder:
    """One folder of an object store (``relative`` under its prefix); built in the local spool, then uploaded."""

    def __init__(self, store: ObjectStore, relative: str, spool: Path) -> None:
        self.store = store
        self.relative = relative.strip("/")
        self.work_dir = spool

    def key(self, name: str) -> str:
        return f"{self.relative}/{name}" if self.relative else name

    def open_part(self, name: str) -> BinaryIO:
        return self.store.open(self.store.location.key(self.key(name)))

    def has(self, name: str) -> bool:
        return self.store.exists(self.key(name))

    def put_manifest(self, manifest: MergeManifest) -> None:
        local = self.work_dir / (manifest_name(manifest.merged) + WORK_SUFFIX)
        local.write_bytes(manifest.to_json())
        try:
            self.store.upload_verified(local, self.key(f"{MANIFEST_DIR}/{manifest_name(manifest.merged)}"))
        finally:
            local.unlink(missing_ok=True)

    def publish(self, built: Path, index: Path, name: str) -> str:
        # The index first: ``serve`` skips a WARC object without one, so the merged file appears indexed, at once.
        self.store.upload_verified(index, self.key(f"{INDEX_DIR}/{name}.cdxj"))
        uri = self.store.upload_verified(built, self.key(name))
        built.unlink()
        index.unlink()
        return uri

    def remove(self, name: str) -> None:
        self.store.delete(self.key(name))
        self.store.delete(self.key(f"{INDEX_DIR}/{name}.cdxj"))

    def drop_manifest(self, manifest: MergeManifest) -> None:
        self.store.delete(self.key(f"{MANIFEST_DIR}/{manifest_name(manifest.merged)}"))

    def manifests(self) -> list[MergeManifest]:
        return store_manifests(self.store, self.store.list(self.key(MANIFEST_DIR)))
