"""The run's frontier on disk: Scrapy's request queue kept in files, so memory stays flat however much is discovered.

A news sitemap index can name tens of thousands of articles at once; in Scrapy's memory queue each waiting request
costs about 3 kB for the whole run (+44 MB between 5,000 and 20,000 pages). With ``JOBDIR`` Scrapy pickles waiting
requests to disk queues instead and keeps only their fingerprints in memory.

A run never resumes an earlier run's frontier: the next run discovers again from feeds and sitemaps, and what is
already archived is skipped by the database, not by a queue left behind. The directory is per source, and the
source's lock guarantees one run of it at a time, so emptying it at the start is safe.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def frontier_settings(path: str) -> dict[str, Any]:
    """Scrapy settings that put the request queue under ``path`` (none: the default memory queue)."""
    return {"JOBDIR": path} if path else {}


@contextmanager
def fresh_frontier(path: str) -> Iterator[None]:
    """An empty frontier directory for the run, removed when the run ends (a killed run's is removed by the next)."""
    if not path:
        yield
        return
    directory = Path(path)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)
