"""CDXJ indexes of closed WARC files (cdxj-indexer), laid out so pywb can replay without our database.

Layout: ``<archive>/indexes/<warc name>.cdxj`` next to ``<archive>/<warc name>``, each sorted, with the WARC's
base name in the ``filename`` field. pywb reads it as a collection with ``archive_paths: <archive>/`` and
``index_paths: <archive>/indexes/`` (a directory index source: every ``.cdxj`` file in it, merged).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cdxj_indexer.main import write_cdx_index

log = logging.getLogger(__name__)

INDEX_DIR = "indexes"


def index_path(warc_path: Path) -> Path:
    return warc_path.parent / INDEX_DIR / (warc_path.name + ".cdxj")


def index_file(warc_path: Path | str) -> Path:
    """Write (or rewrite) the sorted CDXJ index of one closed WARC file; returns its path."""
    warc_path = Path(warc_path)
    target = index_path(warc_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".tmp")
    try:
        write_cdx_index(str(partial), [str(warc_path)], {"sort": True})
        os.replace(partial, target)  # readers never see half an index
    except OSError:
        partial.unlink(missing_ok=True)  # a full disk must not leave half an index behind
        raise
    log.debug("indexed %s into %s", warc_path.name, target)
    return target


def index_directory(directory: Path | str, *, rebuild: bool = False) -> list[Path]:
    """Index every closed WARC file under ``directory`` (recursively) that has no index yet, or all if rebuild."""
    written = []
    for warc_path in sorted(Path(directory).rglob("*.warc.gz")):
        if rebuild or not index_path(warc_path).exists():
            written.append(index_file(warc_path))
    return written
