"""A pywb collection over the archive folder: its CDXJ indexes linked in one folder, WARCs found by a path index.

pywb reads a collection's indexes from one folder (every ``.cdxj`` in it, merged per lookup) and resolves each
index line's ``filename`` through ``archive_paths``. Our indexes sit in ``indexes/`` next to the WARC files they
cover (``crawler.warc.cdxj``), possibly in several subfolders, so the working folder holds links to all of them
(plus indexes made here for WARC files that have none) and a sorted ``filename<TAB>path`` file for pywb's
path-index resolver. Nothing in the archive is written.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cdxj_indexer.main import write_cdx_index

from crawler.warc.cdxj import index_path

log = logging.getLogger(__name__)

COLLECTION = "archive"
_WARC_SUFFIXES = (".warc.gz", ".warc")


@dataclass(frozen=True)
class Collection:
    work_dir: Path
    config_file: Path
    warc_files: int


def prepare(archive_dir: Path, work_dir: Path) -> Collection:
    """Write pywb's ``config.yaml`` into ``work_dir`` and bring its index links up to date with the archive."""
    work_dir.mkdir(parents=True, exist_ok=True)
    count = sync_indexes(archive_dir, work_dir)
    config_file = work_dir / "config.yaml"
    config_file.write_text(_config(work_dir), encoding="utf-8")
    return Collection(work_dir, config_file, count)


def sync_indexes(archive_dir: Path, work_dir: Path) -> int:
    """Link (or make) one CDXJ index per closed WARC file, and rewrite the path index; the number of files."""
    links = work_dir / "indexes"
    made = work_dir / "made-indexes"
    links.mkdir(exist_ok=True)
    made.mkdir(exist_ok=True)
    warcs = _warc_files(archive_dir)
    wanted: dict[str, Path] = {}
    for name, warc in warcs.items():
        wanted[name + ".cdxj"] = _index_for(warc, made)
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
    return found


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


def _write_path_index(path: Path, warcs: dict[str, Path]) -> None:
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
