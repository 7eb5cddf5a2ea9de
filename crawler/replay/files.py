"""Finding the WARC files to replay under the paths given, in the order they were written."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from crawler.warc.manifest import MANIFEST_DIR, MergeManifest, local_manifests, superseded

log = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc.gz", ".warc")
OPEN_SUFFIX = ".open"
_TIMESTAMP17 = re.compile(r"-(\d{17})-\d{5}-")


@dataclass
class FoundFiles:
    files: list[Path] = field(default_factory=list)
    """Closed WARC files, oldest first."""
    open_files: list[Path] = field(default_factory=list)
    """``.open`` files (still written, or left by a crash): skipped."""
    missing: list[Path] = field(default_factory=list)
    """Paths given that do not exist."""


def find_warc_files(paths: Iterable[Path | str]) -> FoundFiles:
    """WARC files named or found (recursively) under ``paths``, each once, in the order they were written."""
    found = FoundFiles()
    seen: set[Path] = set()
    manifests: list[MergeManifest] = []
    for given in map(Path, paths):
        manifests += local_manifests(given if given.is_dir() else given.parent / MANIFEST_DIR)
        if given.is_dir():
            candidates = sorted(item for item in given.rglob("*") if item.is_file())
        elif given.exists():
            candidates = [given]
        else:
            found.missing.append(given)
            continue
        for path in candidates:
            resolved = path.resolve()
            if resolved in seen:
                continue
            if path.name.endswith(tuple(suffix + OPEN_SUFFIX for suffix in WARC_SUFFIXES)):
                seen.add(resolved)
                found.open_files.append(path)
            elif path.name.endswith(WARC_SUFFIXES):
                seen.add(resolved)
                found.files.append(path)
    found.files = _current(found.files, manifests)
    found.files.sort(key=write_order)
    return found


def _current(files: list[Path], manifests: list[MergeManifest]) -> list[Path]:
    """Files less the small ones a merged file among them holds (a merge cut short between its steps)."""
    hidden = superseded((path.name for path in files), manifests)
    if hidden:
        log.info("skipping %d WARC file(s) merged into others (a merge is finishing)", len(hidden))
    return [path for path in files if path.name not in hidden]


def write_order(path: Path) -> tuple[str, str]:
    """Our files sort by the 17-digit time in their name (``{prefix}-{timestamp17}-{serial}-{host}``); others by
    modification time. Storing a source's captures oldest first gives the same versions as the live crawls."""
    match = _TIMESTAMP17.search(path.name)
    if match:
        return match.group(1), path.name
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return modified.strftime("%Y%m%d%H%M%S%f")[:17], path.name
