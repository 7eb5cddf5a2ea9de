"""One scheduled or one-shot run of a source: lock, run row, crawl subprocess, outcome. Daemon and CLI share it."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from crawler import statkeys
from crawler.config import Config, SourceConfig
from crawler.errors import DatabaseUnavailable
from crawler.run.merging import merge_archive
from crawler.run.outcome import Outcome, judge
from crawler.run.runner import CrawlResult, CrawlRunner
from crawler.run.shipping import add_to_stats, ship_archive
from crawler.run.spec import RunSpec
from crawler.storage.database import connect, database_url
from crawler.storage.migrate import migrate_connection
from crawler.storage.runs import (
    close_abandoned_runs,
    default_worker_name,
    finish_run,
    record_skipped,
    register_source,
    start_run,
)
from scheduler import exitcodes
from scheduler.locks import BackfillLock, LockState, SourceLock

log = logging.getLogger(__name__)

DATABASE_ATTEMPTS = 5
DATABASE_RETRY_WAIT = 2.0
"""A database that is down at start is retried for about ten seconds before the run gives up (exit 69)."""
YIELD_WAIT = 1800.0
"""How long a run waits for its source's lock while a back-fill holds it between batches (it yields after each)."""
LOCK_POLL = 0.2

EXIT_CODES = {
    "finished": exitcodes.OK,
    "degraded": exitcodes.OK,
    "failed": exitcodes.FAILED,
    "cancelled": exitcodes.FAILED,
    "skipped": exitcodes.LOCKED,
}


@dataclass(frozen=True)
class RunTags:
    """What a run is recorded with besides its source: why, by whom, for which tick, and how it is started."""

    trigger: str
    worker: str
    scheduled_for: datetime | None
    forked: bool


@dataclass(frozen=True)
class RunResult:
    source: str
    status: str
    """finished, degraded, failed, cancelled or skipped."""
    run_id: int | None
    stats: dict[str, Any] | None = None
    error: str | None = None
    duration: float = 0.0

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @property
    def new_articles(self) -> int:
        return int((self.stats or {}).get(statkeys.ARTICLES_NEW, 0))


def run_source(
    config: Config,
    source: SourceConfig,
    trigger: str,
    *,
    stop: threading.Event | None = None,
    log_level: str = "INFO",
    log_format: str = "json",
    extra_settings: dict[str, Any] | None = None,
    forked: bool = False,
    worker: str | None = None,
    scheduled_for: datetime | None = None,
    backfill: dict[str, Any] | None = None,
    lock_wait: float = 0.0,
) -> RunResult:
    """Run one crawl of ``source`` now, unless another run holds its lock (then ``skipped``).

    ``forked``: start the crawl from the pre-imported fork server (callers that run many crawls; see
    :mod:`crawler.run.forkserver`). ``worker`` and ``scheduled_for`` are recorded on the run row. ``backfill``:
    the run is a back-fill batch over that window. ``lock_wait``: seconds to wait for the lock before skipping;
    while a back-fill of the source is in progress every run waits (up to ``YIELD_WAIT``), since it yields the
    lock between its batches.
    """
    tags = RunTags(trigger, worker or default_worker_name(), scheduled_for, forked)
    url = database_url(config)
    with connect(url, autocommit=True, attempts=DATABASE_ATTEMPTS, retry_wait=DATABASE_RETRY_WAIT) as conn:
        migrate_connection(conn)
        register_source(conn, source)
    lock = SourceLock(url, source.name)
    if not _acquire(lock, url, lock_wait, stop):
        with connect(url, autocommit=True) as conn:
            run_id = record_skipped(
                conn,
                source.name,
                trigger,
                "another run holds the lock",
                worker=tags.worker,
                scheduled_for=scheduled_for,
            )
        log.warning("source %s is being crawled by another run; skipped", source.name)
        return RunResult(source.name, "skipped", run_id, error="locked by another run")
    try:
        return _run_locked(config, source, tags, url, lock, stop, log_level, log_format, extra_settings or {}, backfill)
    finally:
        lock.release()


def _acquire(lock: SourceLock, url: str, wait: float, stop: threading.Event | None) -> bool:
    """Take the source's lock, waiting up to ``wait`` seconds (longer while a back-fill holds it between batches)."""
    if lock.acquire():
        return True
    if BackfillLock(url, lock.source).held_elsewhere():
        log.info("a back-fill of %s holds its lock; waiting for its next pause", lock.source)
        wait = max(wait, YIELD_WAIT)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not (stop and stop.is_set()):
        time.sleep(LOCK_POLL)
        if lock.acquire():
            return True
    return False


def _run_locked(
    config: Config,
    source: SourceConfig,
    tags: RunTags,
    url: str,
    lock: SourceLock,
    stop: threading.Event | None,
    log_level: str,
    log_format: str,
    extra_settings: dict[str, Any],
    backfill: dict[str, Any] | None,
) -> RunResult:
    with connect(url, autocommit=True) as conn:
        close_abandoned_runs(conn, source=source.name)
        run_id = start_run(
            conn,
            source.name,
            tags.trigger,
            host=socket.gethostname(),
            pid=os.getpid(),
            worker=tags.worker,
            scheduled_for=tags.scheduled_for,
        )
    log.info("run %d of %s started (trigger %s, worker %s)", run_id, source.name, tags.trigger, tags.worker)
    spec = RunSpec.for_source(
        config,
        source,
        run_id=run_id,
        database_url=url,
        log_level=log_level,
        log_format=log_format,
        settings=extra_settings,
        backfill=backfill,
    )
    deadline = source.deadline or config.crawl.deadline
    runner = CrawlRunner(spec, deadline=deadline, grace=config.scheduler.stop_timeout * 0.8, forked=tags.forked)
    runner.start()
    result = runner.wait(stop=stop, tick=_lock_watch(lock, source.name))
    # Shipped under the source's lock: the next run of this source finds the spool as this one left it.
    result = replace(result, stats=add_to_stats(result.stats, ship_archive(config.archive, url)))
    outcome = judge(result.stats, cancelled=result.cancelled, returncode=result.returncode, backfill=bool(backfill))
    _record_outcome(url, run_id, outcome, result)
    _log_outcome(source.name, run_id, outcome, result)
    # Once the run is recorded as over, its file may merge with its neighbours (crawler.run.merging).
    merge_archive(config.archive, url)
    return RunResult(source.name, outcome.status, run_id, result.stats, outcome.error, result.duration)


def _lock_watch(lock: SourceLock, source: str) -> Any:
    """A tick check: stop the crawl if someone else took the source's lock while the database was away."""
    degraded = threading.Event()

    def check() -> str | None:
        state = lock.check()
        if state is LockState.LOST:
            return "lock lost to another run"
        if state is LockState.DEGRADED and not degraded.is_set():
            degraded.set()
            log.warning("database unreachable during the crawl of %s: continuing WARC-only", source)
        elif state is LockState.HELD:
            degraded.clear()
        return None

    return check


def _record_outcome(url: str, run_id: int, outcome: Outcome, result: CrawlResult) -> None:
    try:
        with connect(url, autocommit=True, attempts=DATABASE_ATTEMPTS, retry_wait=DATABASE_RETRY_WAIT) as conn:
            finish_run(
                conn,
                run_id,
                outcome.status,
                finish_reason=outcome.finish_reason,
                stats=result.stats,
                error=outcome.error,
            )
    except DatabaseUnavailable as error:
        log.error("run %d ended %s but could not be recorded: %s", run_id, outcome.status, error)


def _log_outcome(source: str, run_id: int, outcome: Outcome, result: CrawlResult) -> None:
    stats = result.stats or {}
    level = logging.INFO if outcome.status == "finished" else logging.WARNING
    log.log(
        level,
        "run %d of %s %s in %.1fs: %d responses, %d new articles, %d updated, %d WARC bytes%s",
        run_id,
        source,
        outcome.status,
        result.duration,
        stats.get("downloader/response_count", 0),
        stats.get(statkeys.ARTICLES_NEW, 0),
        stats.get(statkeys.ARTICLES_UPDATED, 0),
        stats.get(statkeys.WARC_BYTES, 0),
        f" ({outcome.error})" if outcome.error else "",
    )
