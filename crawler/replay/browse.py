"""A pywb collection over the archive folder: its CDXJ indexes linked in one folder, WARCs found by a path index.

pywb reads a collection's indexes from one folder (every ``.cdxj`` in it, merged per lookup) and resolves each
index line's ``filename`` through ``archive_paths``. Our indexes sit in ``indexes/`` next to the WARC files they
cover (``crawler.warc.cdxj``), possibly in several subfolders, so the working folder holds links to all of them
(plus indexes made here for WARC files that have none) and a sorted ``filename<TAB>path`` file for pywb's
path-index resolver. Nothing in the archive is written.

An archive in object storage: the indexes are fetched into the working folder and the path index names each WARC
by its ``s3://`` URI, which pywb reads with ranged GETs through boto3. Files still in the spool are served locally.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cdxj_indexer.main import write_cdx_index

from crawler.warc.cdxj import INDEX_DIR, index_path
from crawler.warc.manifest import local_manifests, store_manifests, superseded
from crawler.warc.objectstore import ObjectStore, StoredObject

log = logging.getLogger(__name__)

COLLECTION = "archive"
_WARC_SUFFIXES = (".warc.gz", ".warc")


@dataclass(frozen=True)
class Collection:
    work_dir: Path
    config_file: Path
    warc_files: int


def prepare(archive_dir: Path, work_dir: Path, store: ObjectStore | None = None) -> Collection:
    """Write pywb's ``config.yaml`` into ``work_dir`` and bring its index links up to date with the archive."""
    work_dir.mkdir(parents=True, exist_ok=True)
    count = sync_indexes(archive_dir, work_dir, store)
    config_file = work_dir / "config.yaml"
    config_file.write_text(_config(work_dir), encoding="utf-8")
    return Collection(work_dir, config_file, count)


def sync_indexes(archive_dir: Path, work_dir: Path, store: ObjectStore | None = None) -> int:
    """Link (or make) one CDXJ index per closed WARC file, and rewrite the path index; the number of files."""
    links = work_dir / "indexes"
    made = work_dir / "made-indexes"
    links.mkdir(exist_ok=True)
    made.mkdir(exist_ok=True)
    warcs: dict[str, Path | str] = dict(_warc_files(archive_dir))
    wanted: dict[str, Path] = {}
    for name, warc in warcs.items():
        wanted[name + ".cdxj"] = _index_for(Path(warc), made)
    if store is not None:
        for name, (uri, index) in _stored_files(store, work_dir / "store-indexes").items():
            if name not in warcs:  # a spool copy not yet removed holds the same bytes
                warcs[name], wanted[name + ".cdxj"] = uri, index
    for entry in links.iterdir():
        if entry.name not in wanted or os.readlink(entry) != str(wanted[entry.name]):
            entry.unlink()
    for link_name, target in wanted.items():
        link = links / link_name
        if not link.is_symlink():
            link.symlink_to(target)
    _write_path_index(work_dir / "pathindex.txt", warcs)
    return len(warcs)


def _warc_files(archive_dir: Path) -> dict[str, Path]:
    """Closed WARC files by name (index lines name files without their folder); the first of a name wins."""
    found: dict[str, Path] = {}
    for path in sorted(archive_dir.rglob("*")):
        if not path.name.endswith(_WARC_SUFFIXES) or not path.is_file():
            continue
        if path.name in found:
            log.warning("two WARC files named %s (%s, %s): only the first is served", path.name, found[path.name], path)
            continue
        found[path.name] = path.resolve()
    hidden = superseded(found, local_manifests(archive_dir))
    return {name: path for name, path in found.items() if name not in hidden}


def _index_for(warc: Path, made: Path) -> Path:
    """The archive's own index of ``warc`` when it has one, else one made here (kept until the WARC changes)."""
    own = index_path(warc)
    if own.is_file():
        return own.resolve()
    target = made / (warc.name + ".cdxj")
    if not target.is_file() or target.stat().st_mtime < warc.stat().st_mtime:
        partial = target.with_name(target.name + ".tmp")
        write_cdx_index(str(partial), [str(warc)], {"sort": True})
        os.replace(partial, target)
        log.info("indexed %s (it had no CDXJ index)", warc.name)
    return target.resolve()


def _stored_files(store: ObjectStore, cache: Path) -> dict[str, tuple[str, Path]]:
    """WARC objects by name with their index fetched into ``cache`` (again only when its size changed)."""
    cache.mkdir(exist_ok=True)
    objects = store.list()
    index_prefix = store.location.key(INDEX_DIR) + "/"
    indexes = {item.key.removeprefix(index_prefix): item for item in objects if item.key.startswith(index_prefix)}
    found: dict[str, tuple[str, Path]] = {}
    for item in objects:
        name = item.key.rsplit("/", 1)[-1]
        if item.key.startswith(index_prefix) or not name.endswith(_WARC_SUFFIXES):
            continue
        index = indexes.get(name + ".cdxj")
        if index is None:
            log.warning("%s has no CDXJ index in the store (`newsarchive archive upload` sends one); not served", name)
            continue
        found[name] = (f"s3://{store.location.bucket}/{item.key}", _fetched_index(store, index, cache))
    hidden = superseded(found, store_manifests(store, objects))
    return {name: entry for name, entry in found.items() if name not in hidden}


def _fetched_index(store: ObjectStore, index: StoredObject, cache: Path) -> Path:
    target = cache / index.key.rsplit("/", 1)[-1]
    if not target.is_file() or target.stat().st_size != index.size:
        store.download(index.key, target)
    return target.resolve()


def _write_path_index(path: Path, warcs: dict[str, Path | str]) -> None:
    # pywb binary-searches this file: sorted by the byte order of the names.
    lines = sorted(f"{name}\t{target}\n".encode() for name, target in warcs.items())
    partial = path.with_name(path.name + ".tmp")
    partial.write_bytes(b"".join(lines))
    os.replace(partial, path)


def _config(work_dir: Path) -> str:
    return (
        "# Written by `newsarchive serve`; rewritten at every start.\n"
        "collections:\n"
        f"  {COLLECTION}:\n"
        f"    index_paths: {json.dumps(str(work_dir / 'indexes') + '/')}\n"
        f"    archive_paths: {json.dumps(str(work_dir / 'pathindex.txt'))}\n"
    )
