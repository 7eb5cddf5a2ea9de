"""Worker processes for article extraction: one synchronous core, adapted to the crawl's reactor and to replay."""

from __future__ import annotations

from crawler.workers._worker import ExtractionTimedOut, time_limit
from crawler.workers.core import Submitted, WorkerCore, WorkerSetup
from crawler.workers.pool import ExtractionPool, WorkerFailed, default_workers

__all__ = [
    "ExtractionPool",
    "ExtractionTimedOut",
    "Submitted",
    "WorkerCore",
    "WorkerFailed",
    "WorkerSetup",
    "default_workers",
    "time_limit",
]
