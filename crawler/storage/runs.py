"""The crawl_runs and sources tables: a run's start and outcome, skipped runs, orphan repair, the last success."""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil
import psycopg
from psycopg.types.json import Jsonb

from crawler import statkeys
from crawler.config import SourceConfig
from crawler.errors import NewsarchiveError
from crawler.storage import partitions

log = logging.getLogger(__name__)

TRIGGERS = ("daemon", "cron", "manual", "replay")
STATUSES = ("running", "finished", "degraded", "failed", "cancelled", "skipped")
SUCCESS_STATUSES = ("finished", "degraded")

COMPACT_STATS = (
    "downloader/response_count",
    "downloader/exception_count",
    statkeys.ARTICLES_NEW,
    statkeys.ARTICLES_UPDATED,
    statkeys.ARTICLES_UNSTORED,
    statkeys.CAPTURES_UNSTORED,
    statkeys.WARC_BYTES,
)
"""The figures of a finished run that ``status``, metrics and the reading room read (zeros left out)."""
COMPACT_STAT_PREFIXES = (statkeys.FETCH_ERRORS, statkeys.FETCH_ERRORS_UNNAMESPACED)
"""Fetch errors within tolerance, one key per page kind: ``status`` shows their sum."""

_COMPACT = """
UPDATE crawl_runs SET stats = (
    SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each(stats)
    WHERE (key = ANY(%(keys)s) OR key LIKE ANY(%(patterns)s)) AND value <> '0'::jsonb
)
WHERE id = (
    SELECT id FROM crawl_runs WHERE source = %(source)s AND id <> %(id)s AND status = 'finished'
    AND trigger <> 'replay' ORDER BY started_at DESC LIMIT 1
) AND stats ? 'finish_reason'
"""
"""The source's newest other finished crawl run keeps only :data:`COMPACT_STATS` (its earlier ones were compacted
when it finished). Found through ``crawl_runs_source_started``; ``stats`` is in no index, so the update can stay
on its page (HOT) and adds no index entries."""

_PID_SLACK = timedelta(seconds=2)
"""A process's create time may trail ``started_at`` by clock granularity; anything later is a reused pid."""


class RunAlreadyRunning(NewsarchiveError):
    """Another run of the source is recorded as ``running`` (the one-running-per-source index refused a second)."""


def register_source(conn: psycopg.Connection, source: SourceConfig) -> None:
    """Keep the ``sources`` table in step with the configuration (config is the truth).

    An unchanged source is not written: every run registers its source, and a no-op update still leaves a dead
    row version behind.
    """
    conn.execute(
        "INSERT INTO sources (name, title, config) VALUES (%s, %s, %s::jsonb) "
        "ON CONFLICT (name) DO UPDATE SET title = EXCLUDED.title, config = EXCLUDED.config"
        " WHERE (sources.title, sources.config) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.config)",
        (source.name, source.title or source.name, json.dumps(source.to_dict())),
    )


def start_run(
    conn: psycopg.Connection,
    source: str,
    trigger: str,
    *,
    host: str | None = None,
    pid: int | None = None,
    started_at: datetime | None = None,
    worker: str | None = None,
    scheduled_for: datetime | None = None,
) -> int:
    """Record a ``running`` run and return its id; :class:`RunAlreadyRunning` when the source has one.

    ``worker`` names who ran it (a queue worker, the daemon, a one-shot command); ``scheduled_for`` is the tick it
    serves, when a schedule asked for it.

    ``started_at`` defaults to this machine's clock (not the database's) so :func:`close_abandoned_runs` can compare it
    with process create times on the same clock.
    """
    started_at = started_at or _now()
    values = [
        source,
        trigger,
        host or socket.gethostname(),
        pid or os.getpid(),
        started_at,
        worker or default_worker_name(),
        scheduled_for,
    ]

    def insert() -> int:
        with conn.transaction():
            return conn.execute(
                "INSERT INTO crawl_runs (source, trigger, host, pid, started_at, worker, scheduled_for)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                values,
            ).fetchone()[0]

    try:
        return partitions.writing(conn, "crawl_runs", [started_at], insert)
    except psycopg.errors.UniqueViolation as error:
        raise RunAlreadyRunning(f"source {source!r} already has a running crawl") from error


def finish_run(
    conn: psycopg.Connection,
    run_id: int,
    status: str,
    *,
    finish_reason: str | None = None,
    stats: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record a run's outcome (any status but ``running``) and its finish time.

    Its stats are Scrapy's whole dump; the source's earlier ``finished`` crawl runs keep only the figures read
    back (:data:`COMPACT_STATS`), so each source's latest run shows everything and the rest stay small. Runs
    that did not finish keep their dump: that is where one looks for why.
    """
    if status not in STATUSES or status == "running":
        raise ValueError(f"not a final run status: {status!r}")
    with conn.transaction():
        row = conn.execute(
            "UPDATE crawl_runs SET status = %s, finished_at = %s, finish_reason = %s, stats = %s, error = %s"
            " WHERE id = %s RETURNING source",
            [status, _now(), finish_reason, _jsonb(stats), error, run_id],
        ).fetchone()
        if row is not None:
            conn.execute(_COMPACT, {"source": row[0], "id": run_id, **_compact_params()})


def record_skipped(
    conn: psycopg.Connection,
    source: str,
    trigger: str,
    reason: str,
    *,
    worker: str | None = None,
    scheduled_for: datetime | None = None,
) -> int:
    """Record a run that did not start because another holds the source's lock; its id."""
    now = _now()
    values = [source, trigger, socket.gethostname(), os.getpid(), now, now, reason]
    values += [worker or default_worker_name(), scheduled_for]

    def insert() -> int:
        with conn.transaction():
            return conn.execute(
                "INSERT INTO crawl_runs (source, trigger, host, pid, started_at, finished_at, status, finish_reason,"
                " worker, scheduled_for) VALUES (%s, %s, %s, %s, %s, %s, 'skipped', %s, %s, %s) RETURNING id",
                values,
            ).fetchone()[0]

    return partitions.writing(conn, "crawl_runs", [now], insert)


WORKER_NAME_ENV = "NEWSARCHIVE_WORKER_NAME"


def default_worker_name(configured: str = "") -> str:
    """``NEWSARCHIVE_WORKER_NAME``, else the configured name, else ``hostname:pid``."""
    return os.environ.get(WORKER_NAME_ENV, "").strip() or configured.strip() or f"{socket.gethostname()}:{os.getpid()}"


def close_abandoned_runs(conn: psycopg.Connection, *, source: str | None = None, host: str | None = None) -> int:
    """Close rows left ``running`` by a process that is gone; how many.

    One outcome whatever the evidence: ``cancelled`` (the crawl did not fail, it was cut off; a queued run is retried
    elsewhere), the error naming the worker that died. Two kinds of evidence that no live run owns a row:
    ``source`` — the caller holds that source's lock, so every running row of it is abandoned (any host);
    ``host`` — the caller holds no lock, so only rows of this host whose pid is dead (or reused) are.
    """
    if (source is None) == (host is None):
        raise ValueError("give exactly one of source= (lock held) or host= (dead pids of this host)")
    with conn.transaction():
        if source is not None:
            rows = conn.execute(
                "SELECT id FROM crawl_runs WHERE source = %s AND status = 'running' FOR UPDATE", [source]
            ).fetchall()
            abandoned = [run_id for (run_id,) in rows]
            evidence = "while its lock was free"
        else:
            rows = conn.execute(
                "SELECT id, pid, started_at FROM crawl_runs WHERE status = 'running' AND host = %s FOR UPDATE",
                [host],
            ).fetchall()
            abandoned = [run_id for run_id, pid, started_at in rows if not _process_alive(pid, started_at)]
            evidence = "with its process gone"
        if abandoned:
            conn.execute(
                "UPDATE crawl_runs SET status = 'cancelled', finished_at = %s, "
                "error = 'run found unfinished ' || %s || ': the process of worker ' || "
                "coalesce(worker, host, '?') || ' died mid-run (or the database was away when it ended)' "
                "WHERE id = ANY(%s)",
                [_now(), evidence, abandoned],
            )
    for run_id in abandoned:
        log.warning("run %d of %s was left running (%s); closed as cancelled", run_id, source or host, evidence)
    return len(abandoned)


def last_success_at(conn: psycopg.Connection, source: str) -> datetime | None:
    """When the source's latest ``finished`` or ``degraded`` run started; None if it never succeeded.

    Back-fill batches do not count: they walk old date windows, so "changed since" a batch would skip what was
    published between the last normal run and it.
    """
    row = conn.execute(
        "SELECT max(started_at) FROM crawl_runs WHERE source = %s AND status = ANY(%s) AND trigger <> 'backfill'",
        [source, list(SUCCESS_STATUSES)],
    ).fetchone()
    return row[0]


def last_successes(conn: psycopg.Connection, sources: list[str]) -> dict[str, datetime]:
    """:func:`last_success_at` of many sources in one query (the daemon's start with a fleet); absent: never."""
    rows = conn.execute(
        "SELECT source, max(started_at) FROM crawl_runs"
        " WHERE source = ANY(%s) AND status = ANY(%s) AND trigger <> 'backfill' GROUP BY source",
        [sources, list(SUCCESS_STATUSES)],
    ).fetchall()
    return dict(rows)


def _process_alive(pid: int | None, started_at: datetime) -> bool:
    if pid is None:
        return False
    try:
        process = psutil.Process(pid)
        created = datetime.fromtimestamp(process.create_time(), UTC)
        zombie = process.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
    # A process created after the run started has reused the pid of the one that died.
    return not zombie and created <= started_at + _PID_SLACK


def compact_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """What a finished run's stats become once it is not its source's latest (the SQL of :data:`_COMPACT`)."""
    return {
        key: value
        for key, value in stats.items()
        if (key in COMPACT_STATS or key.startswith(COMPACT_STAT_PREFIXES)) and value != 0
    }


def _compact_params() -> dict[str, list[str]]:
    return {"keys": list(COMPACT_STATS), "patterns": [prefix + "%" for prefix in COMPACT_STAT_PREFIXES]}


def _jsonb(stats: dict[str, Any] | None) -> Jsonb | None:
    if stats is None:
        return None
    # Scrapy's stats hold datetimes (start_time, finish_time); keep them as ISO strings.
    return Jsonb(stats, dumps=lambda value: json.dumps(value, default=_json_default))


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _now() -> datetime:
    return datetime.now(UTC)
