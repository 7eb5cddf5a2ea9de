"""One scheduled or one-shot run of a source: lock, run row, crawl subprocess, outcome. Daemon and CLI share it.

A :class:`RunRequest` says what to run; a :class:`SourceRunner`, built once per process, says how this process
runs crawls (its config, stop signal, logging, worker name, fork server or not). ``runner.run(request)`` does it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from crawler.spiders.backfill import BatchWindow  # the spider's module: imported by the crawl child

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
class RunRequest:
    """What to run: one source, why, for which scheduled tick, over which back-fill window, how patiently."""

    source: SourceConfig
    trigger: str
    """Recorded in ``crawl_runs``: daemon, cron, manual, backfill."""
    scheduled_for: datetime | None = None
    """The schedule's tick this run serves (recorded on the run row); None: not a scheduled run."""
    backfill: BatchWindow | None = None
    """The run is a back-fill batch over this window; None: a normal run."""
    lock_wait: float = 0.0
    """Seconds to wait for the source's lock before skipping; while a back-fill of the source is in progress every
    run waits (up to ``YIELD_WAIT``), since it yields the lock between its batches."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Extra Scrapy settings (a back-fill's politeness, tests and benchmarks)."""


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


@dataclass(frozen=True)
class SourceRunner:
    """How this process runs crawls, built once (by a command, the daemon, a worker): :meth:`run` does each one.

    ``forked``: start crawls from the pre-imported fork server (processes that run many crawls; see
    :mod:`crawler.run.forkserver`). ``log_format`` None: :func:`crawler.logs.log_format` decides in the child, as it
    did for this process.
    """

    config: Config
    stop: threading.Event = field(default_factory=threading.Event)
    """Set to cancel the running crawl (SIGTERM to it) and any wait for a lock."""
    log_level: str = "INFO"
    log_format: str | None = None
    worker: str = field(default_factory=default_worker_name)
    """Recorded on every run row (``crawl_runs.worker``)."""
    forked: bool = False

    def run(self, request: RunRequest) -> RunResult:
        """Run one crawl of ``request.source`` now, unless another run holds its lock (then ``skipped``)."""
        source = request.source
        url = database_url(self.config)
        with connect(url, autocommit=True, attempts=DATABASE_ATTEMPTS, retry_wait=DATABASE_RETRY_WAIT) as conn:
            migrate_connection(conn)
            register_source(conn, source)
        lock = SourceLock(url, source.name)
        if not _acquire(lock, url, request.lock_wait, self.stop):
            with connect(url, autocommit=True) as conn:
                run_id = record_skipped(
                    conn,
                    source.name,
                    request.trigger,
                    "another run holds the lock",
                    worker=self.worker,
                    scheduled_for=request.scheduled_for,
                )
            log.warning("source %s is being crawled by another run; skipped", source.name)
            return RunResult(source.name, "skipped", run_id, error="locked by another run")
        try:
            return self._run_locked(request, url, lock)
        finally:
            lock.release()

    def _run_locked(self, request: RunRequest, url: str, lock: SourceLock) -> RunResult:
        source = request.source
        run_id = self._start_row(request, url)
        spec = RunSpec.for_source(
            self.config,
            source,
            run_id=run_id,
            database_url=url,
            log_level=self.log_level,
            log_format=self.log_format,
            settings=dict(request.settings),
            backfill=request.backfill,
        )
        deadline = source.deadline or self.config.crawl.deadline
        grace = self.config.scheduler.stop_timeout * 0.8
        runner = CrawlRunner(spec, deadline=deadline, grace=grace, forked=self.forked)
        runner.start()
        result = runner.wait(stop=self.stop, tick=_lock_watch(lock, source.name))
        # Shipped under the source's lock: the next run of this source finds the spool as this one left it.
        result = replace(result, stats=add_to_stats(result.stats, ship_archive(self.config.archive, url)))
        backfill = request.backfill is not None
        outcome = judge(result.stats, cancelled=result.cancelled, returncode=result.returncode, backfill=backfill)
        _record_outcome(url, run_id, outcome, result)
        _log_outcome(source.name, run_id, outcome, result)
        # Once the run is recorded as over, its file may merge with its neighbours (crawler.run.merging).
        merge_archive(self.config.archive, url)
        return RunResult(source.name, outcome.status, run_id, result.stats, outcome.error, result.duration)

    def _start_row(self, request: RunRequest, url: str) -> int:
        """The run's ``crawl_runs`` row (runs of the source left ``running`` by a dead process closed first)."""
        name = request.source.name
        with connect(url, autocommit=True) as conn:
            close_abandoned_runs(conn, source=name)
            run_id = start_run(
                conn,
                name,
                request.trigger,
                host=socket.gethostname(),
                pid=os.getpid(),
                worker=self.worker,
                scheduled_for=request.scheduled_for,
            )
        log.info("run %d of %s started (trigger %s, worker %s)", run_id, name, request.trigger, self.worker)
        return run_id


def _acquire(lock: SourceLock, url: str, wait: float, stop: threading.Event) -> bool:
    """Take the source's lock, waiting up to ``wait`` seconds (longer while a back-fill holds it between batches)."""
    if lock.acquire():
        return True
    if BackfillLock(url, lock.source).held_elsewhere():
        log.info("a back-fill of %s holds its lock; waiting for its next pause", lock.source)
        wait = max(wait, YIELD_WAIT)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not stop.is_set():
        time.sleep(LOCK_POLL)
        if lock.acquire():
            return True
    return False


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
