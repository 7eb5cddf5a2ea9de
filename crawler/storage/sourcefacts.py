"""The last-run facts of every source, computed once for ``newsarchive status`` and the reading room alike.

A run still going has no stats yet: its new articles are counted live (records first seen since it started, by
capture time) rather than shown as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler import statkeys
from crawler.storage.reading import Reader
from crawler.storage.runs import SUCCESS_STATUSES


@dataclass(frozen=True)
class LastRun:
    """A source's most recent run, as recorded in ``crawl_runs``."""

    id: int
    status: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    new_articles: int
    """From the run's stats; while it is ``running`` (no stats yet), the articles first seen since it started."""
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def updated_articles(self) -> int:
        return int(self.stats.get(statkeys.ARTICLES_UPDATED, 0))


@dataclass(frozen=True)
class SourceFacts:
    """What the archive knows of one source: its last run, its articles, its first run and last success."""

    name: str
    last_run: LastRun | None = None
    articles: int = 0
    articles_today: int = 0
    """First seen since midnight (in the database session's time zone)."""
    last_new_article_at: datetime | None = None
    first_run_at: datetime | None = None
    """The first run that was not skipped: where a silence window counts from when a source never had an article."""
    last_success_at: datetime | None = None
    """When the latest ``finished`` or ``degraded`` run (back-fill batches included) started."""


_FACTS = """
    WITH names AS (
        SELECT name FROM sources UNION SELECT source FROM crawl_runs UNION SELECT source FROM article_records
    ), last AS (
        SELECT DISTINCT ON (source) id, source, status, trigger, started_at, finished_at, error, stats
        FROM crawl_runs ORDER BY source, started_at DESC, id DESC
    ), runs AS (
        SELECT source, min(started_at) FILTER (WHERE status <> 'skipped') AS first_run_at,
               max(started_at) FILTER (WHERE status = ANY(%(success)s)) AS last_success_at
        FROM crawl_runs GROUP BY source
    ), totals AS (
        SELECT source, count(*) AS articles, max(first_seen_at) AS last_new_article_at,
               count(*) FILTER (WHERE first_seen_at >= date_trunc('day', now())) AS articles_today
        FROM article_records GROUP BY source
    )
    SELECT n.name, l.id, l.status, l.trigger, l.started_at, l.finished_at, l.error, l.stats,
           CASE WHEN l.status = 'running' THEN
               (SELECT count(*) FROM article_records r WHERE r.source = n.name AND r.first_seen_at >= l.started_at)
           END AS live_new,
           coalesce(t.articles, 0) AS articles, coalesce(t.articles_today, 0) AS articles_today,
           t.last_new_article_at, r.first_run_at, r.last_success_at
    FROM names n LEFT JOIN last l ON l.source = n.name LEFT JOIN runs r ON r.source = n.name
    LEFT JOIN totals t ON t.source = n.name
    ORDER BY n.name
"""


def source_facts(db: Reader) -> dict[str, SourceFacts]:
    """Every source seen in config, runs or articles, by name (in name order)."""
    rows = db.fetch(_FACTS, {"success": list(SUCCESS_STATUSES)})
    return {row["name"]: _facts(row) for row in rows}


def _facts(row: dict[str, Any]) -> SourceFacts:
    return SourceFacts(
        name=row["name"],
        last_run=_last_run(row) if row["id"] is not None else None,
        articles=row["articles"],
        articles_today=row["articles_today"],
        last_new_article_at=row["last_new_article_at"],
        first_run_at=row["first_run_at"],
        last_success_at=row["last_success_at"],
    )


def _last_run(row: dict[str, Any]) -> LastRun:
    stats = row["stats"] or {}
    live = row["live_new"]
    return LastRun(
        id=row["id"],
        status=row["status"],
        trigger=row["trigger"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        error=row["error"],
        new_articles=int(live if live is not None else stats.get(statkeys.ARTICLES_NEW, 0)),
        stats=stats,
    )
