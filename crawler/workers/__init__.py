"""Worker processes of a crawl: article extraction off the reactor thread, on the other cores."""

from __future__ import annotations

from crawler.workers.pool import ExtractionPool, WorkerFailed, default_workers

__all__ = ["ExtractionPool", "WorkerFailed", "default_workers"]
