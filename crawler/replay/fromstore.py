"""Replaying an archive that lives in object storage: its WARCs fetched to a local cache, then read as files.

The replay reads records by offset (memory-mapped, with resynchronisation past damage) and looks revisits' originals
up in files it has read, so each object is fetched whole, several at once, into a cache that lives as long as the
replay. Ranged GETs serve single records elsewhere (pywb's replay, ``ObjectStore.read_range``).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from crawler.replay.files import WARC_SUFFIXES
from crawler.warc.cdxj import INDEX_DIR
from crawler.warc.manifest import store_manifests, superseded
from crawler.warc.objectstore import ObjectStore, StoredObject

log = logging.getLogger(__name__)

DOWNLOAD_THREADS = 4


@dataclass(frozen=True)
class Fetched:
    files: list[Path]
    bytes: int


def fetch_warcs(store: ObjectStore, cache: Path) -> Fetched:
    """Every WARC object under the store's prefix (or the one object it names) fetched into ``cache``."""
    listed = store.list()
    objects = [item for item in listed if _is_warc(item)]
    hidden = superseded((_name(item) for item in objects), store_manifests(store, listed))
    objects = [item for item in objects if _name(item) not in hidden]  # a merge cut short: its merged file holds them
    cache.mkdir(parents=True, exist_ok=True)
    targets = [cache / _name(item) for item in objects]
    with ThreadPoolExecutor(DOWNLOAD_THREADS) as pool:
        files = list(pool.map(store.download, [item.key for item in objects], targets))
    log.info("fetched %d WARC object(s), %d bytes, from %s", len(files), sum(i.size for i in objects), store.location)
    return Fetched(files, sum(item.size for item in objects))


def _is_warc(item: StoredObject) -> bool:
    return item.key.endswith(WARC_SUFFIXES) and f"/{INDEX_DIR}/" not in f"/{item.key}"


def _name(item: StoredObject) -> str:
    return item.key.rsplit("/", 1)[-1]
