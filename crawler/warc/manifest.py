"""Merge manifests: which small WARC files a merged one holds, and the rule that hides the small ones.

A merge writes ``merges/<merged name>.merge.json`` next to the files (or as an object under the store's prefix)
before the merged file appears under its final name. While both the merged file and a small one it lists exist,
the small one is superseded: every reader that lists the archive (replay, ``serve``, the spool, re-indexing) skips
it, so each record is found once at every step of a merge, and the manifest goes only after the small files did.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from crawler.warc.objectstore import ObjectStore, StoredObject
from crawler.warc.writer import fsync_directory

MANIFEST_DIR = "merges"
MANIFEST_SUFFIX = ".merge.json"


@dataclass(frozen=True)
class Part:
    """One small file inside the merged one: its bytes are ``merged[offset : offset + size]``, unchanged."""

    name: str
    offset: int
    size: int
    records: int
    sha256: str


@dataclass(frozen=True)
class MergeManifest:
    merged: str
    """The merged file's name (``….warc.gz``)."""
    parts: tuple[Part, ...]

    @property
    def size(self) -> int:
        return sum(part.size for part in self.parts)

    @property
    def records(self) -> int:
        return sum(part.records for part in self.parts)

    def to_json(self) -> bytes:
        body = {"merged": self.merged, "parts": [part.__dict__ for part in self.parts]}
        return json.dumps(body, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes) -> MergeManifest:
        body = json.loads(data)
        return cls(body["merged"], tuple(Part(**part) for part in body["parts"]))


def manifest_name(merged: str) -> str:
    return merged + MANIFEST_SUFFIX


def manifest_path(directory: Path, merged: str) -> Path:
    return directory / MANIFEST_DIR / manifest_name(merged)


def write_manifest(path: Path, manifest: MergeManifest) -> None:
    """Durably, under its final name only once complete (a reader never parses half a manifest)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    with partial.open("wb") as handle:
        handle.write(manifest.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    fsync_directory(path.parent)


def local_manifests(directory: Path) -> list[MergeManifest]:
    """Every manifest under ``directory`` (recursively), oldest merged name first; unreadable ones are skipped."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.rglob(f"*{MANIFEST_SUFFIX}")):
        try:
            found.append(MergeManifest.from_json(path.read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # removed while we looked, or not ours
    return found


def superseded(present: Iterable[str], manifests: Iterable[MergeManifest]) -> set[str]:
    """The names in ``present`` that a present merged file holds (readers skip them)."""
    names = set(present)
    hidden: set[str] = set()
    for manifest in manifests:
        if manifest.merged in names:
            hidden.update(part.name for part in manifest.parts if part.name != manifest.merged)
    return hidden & names


def without_superseded(paths: list[Path], root: Path) -> list[Path]:
    """``paths`` (WARC files under ``root``) less those a merged file among them holds."""
    hidden = superseded((path.name for path in paths), local_manifests(root))
    return [path for path in paths if path.name not in hidden]


def store_manifests(store: ObjectStore, objects: Iterable[StoredObject]) -> list[MergeManifest]:
    """The manifests among ``objects`` (a listing of ``store``), read; usually none."""
    found = []
    for item in objects:
        if item.key.endswith(MANIFEST_SUFFIX):
            with store.open(item.key) as body:
                found.append(MergeManifest.from_json(body.read()))
    return found
