"""The procrastinate app: the one crawl task, its queue, the heartbeat timings, and its schema in our database."""

from __future__ import annotations

import logging

import procrastinate
from procrastinate.schema import SchemaManager

from crawler.storage.database import connect

log = logging.getLogger(__name__)

QUEUE = "crawls"
TASK = "newsarchive.crawl_source"

HEARTBEAT_INTERVAL = 2.0
"""Seconds between a worker's heartbeats."""
STALLED_AFTER = 10.0
"""A worker silent this long is dead: its jobs are retried (five missed heartbeats; a busy worker still beats)."""
REPAIR_INTERVAL = 3.0
"""How often every worker looks for the jobs of dead workers."""
STALL_BOUND = STALLED_AFTER + REPAIR_INTERVAL + HEARTBEAT_INTERVAL
"""Worst case from a worker's death to its job being queued again (then a free worker takes it at once)."""

_SCHEMA_LOCK = 0x6E61_7100  # "naq": advisory lock serialising schema creation by workers that start together


def queue_app(url: str, *, max_connections: int = 4) -> procrastinate.App:
    """An app on the database at ``url`` with the crawl task registered (open it before use)."""
    from scheduler.queue.task import crawl_source

    connector = procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=max_connections)
    app = procrastinate.App(connector=connector)
    app.task(name=TASK, queue=QUEUE, pass_context=True)(crawl_source)
    return app


def source_lock(source: str) -> str:
    """The job lock and queueing lock of a source's runs: one running and one waiting at most, on any host."""
    return f"newsarchive-source:{source}"


def ensure_queue_schema(url: str) -> bool:
    """Create procrastinate's tables when the database has none yet; True if they were created now."""
    with connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [_SCHEMA_LOCK])
        try:
            if conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()[0]:
                return False
            conn.execute(SchemaManager.get_schema())
            log.info("queue schema created (procrastinate %s)", procrastinate.__version__)
            return True
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [_SCHEMA_LOCK])
