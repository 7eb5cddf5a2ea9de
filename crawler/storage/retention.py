"""Retention by time: old listing captures and run rows leave the database (the WARCs stay the record).

Applied by the daemon on its own every ``[retention] maintain_every`` (``scheduler.daemon.maintenance``) and by
``newsarchive db maintain``; each pass also makes the coming months' partitions, so no write waits on DDL.

- ``captures`` rows of listing pages, feeds, sitemaps, robots.txt, the API and CDX listings older than
  ``listing_captures`` are deleted. Articles' captures stay: they are the provenance of every version. A feed's
  last response may go too: its next unchanged fetch is then a full response again (one row a period), not a
  revisit; a replay reads originals from its own files first.
- ``crawl_runs`` go a month at a time: a month's partition is dropped once all of it is older than ``runs``
  (never one with a run still ``running``). A replay's finished files are remembered in its run row, so a replay
  of files older than that reads them again (it stores nothing twice).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import sql

from crawler.config.schema import RetentionConfig
from crawler.storage import partitions

log = logging.getLogger(__name__)

LISTING_KINDS = ("listing", "feed", "sitemap", "robots", "api", "cdx")
"""Page kinds whose captures ``listing_captures`` applies to: what a run reads to find articles."""
MONTHS_AHEAD = 2
"""Partitions made beyond the current month: a pass may be missed (a daemon down for weeks) without any write
making one (they would anyway: ``crawler.storage.partitions.writing``)."""
LOCK_TIMEOUT = "10s"
"""Dropping a partition waits for the parent's lock behind running queries; past this the next pass tries again."""


@dataclass
class MaintenanceReport:
    partitions_made: list[str] = field(default_factory=list)
    listing_captures_deleted: int = 0
    run_partitions_dropped: list[str] = field(default_factory=list)

    def describe(self) -> str:
        made = ", ".join(self.partitions_made) or "none"
        dropped = ", ".join(self.run_partitions_dropped) or "none"
        return (
            f"partitions made: {made}; listing captures deleted: {self.listing_captures_deleted};"
            f" run partitions dropped: {dropped}"
        )


def maintain(conn: psycopg.Connection, retention: RetentionConfig, now: datetime | None = None) -> MaintenanceReport:
    """One maintenance pass: partitions ahead, then the retention of listing captures and of runs."""
    now = now or datetime.now(UTC)
    report = MaintenanceReport()
    existing = {part.name for table in partitions.PARTITIONED for part in partitions.partitions(conn, table)}
    made = partitions.ensure_ahead(conn, now, MONTHS_AHEAD)
    report.partitions_made = [name for name in made if name not in existing]
    if retention.listing_captures > 0:
        report.listing_captures_deleted = delete_listing_captures(
            conn, now - timedelta(seconds=retention.listing_captures)
        )
    if retention.runs > 0:
        report.run_partitions_dropped = drop_run_months(conn, now - timedelta(seconds=retention.runs))
    return report


def delete_listing_captures(conn: psycopg.Connection, cutoff: datetime) -> int:
    """Delete listing-kind capture rows captured before ``cutoff``, one month partition at a time; how many."""
    deleted = 0
    for part in partitions.partitions(conn, "captures"):
        if part.start >= cutoff:
            continue
        statement = sql.SQL("DELETE FROM {} WHERE page_kind = ANY(%s) AND captured_at < %s").format(
            sql.Identifier(part.name)
        )
        with conn.transaction():
            deleted += conn.execute(statement, [list(LISTING_KINDS), cutoff]).rowcount
    return deleted


def drop_run_months(conn: psycopg.Connection, cutoff: datetime) -> list[str]:
    """Drop the ``crawl_runs`` partitions that end at or before ``cutoff`` and hold no running run; their names."""
    dropped = []
    for part in partitions.partitions(conn, "crawl_runs"):
        if part.end > cutoff:
            continue
        name = sql.Identifier(part.name)
        with conn.transaction():
            conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
            running = conn.execute(sql.SQL("SELECT 1 FROM {} WHERE status = 'running' LIMIT 1").format(name))
            if running.fetchone() is not None:
                log.warning("kept %s: a run in it is still running", part.name)
                continue
            conn.execute(sql.SQL("DROP TABLE {}").format(name))
        dropped.append(part.name)
    return dropped
