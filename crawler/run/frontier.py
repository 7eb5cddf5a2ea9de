"""The run's frontier on disk: Scrapy's request queue kept in files, so memory stays flat however much is discovered.

A news sitemap index can name tens of thousands of articles at once; in Scrapy's memory queue each waiting request
costs about 3 kB for the whole run (+44 MB between 5,000 and 20,000 pages). With ``JOBDIR`` Scrapy pickles waiting
requests to disk queues instead and keeps only their fingerprints in memory.

A run never resumes an earlier run's frontier: the next run discovers again from feeds and sitemaps, and what is
already archived is skipped by the database, not by a queue left behind. The directory is per source, and the
source's lock guarantees one run of it at a time, so emptying it at the start is safe.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def frontier_settings(path: str) -> dict[str, Any]:
    """Scrapy settings that put the request queue under ``path`` (none: the default memory queue)."""
    return {"JOBDIR": path} if path else {}


@contextmanager
def fresh_frontier(path: str) -> Iterator[str]:
    """An empty frontier directory for the run, removed when the run ends (a killed run's is removed by the next).

    Yields the directory, or ``""`` when there is none: not configured, or it cannot be made (an unwritable data
    directory must not stop the crawl, whose WARCs may live elsewhere; the queue then stays in memory).
    """
    if not path:
        yield ""
        return
    directory = Path(path)
    try:
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        log.warning("frontier kept in memory: cannot make %s: %s", directory, error)
        yield ""
        return
    try:
        yield str(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
