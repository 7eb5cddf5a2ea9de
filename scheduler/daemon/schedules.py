"""The APScheduler side of the daemon: one job per enabled source, kept in step with the config, run in a pool."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime

import psycopg
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.config import Config, SourceConfig
from crawler.errors import DatabaseUnavailable
from crawler.storage.database import connect, database_url
from crawler.storage.runs import last_success_at
from scheduler.jobs import RunRequest, SourceRunner
from scheduler.metrics import DaemonMetrics
from scheduler.queue.enqueue import Enqueuer
from scheduler.triggers import build_trigger, is_overdue, previous_fire_time

log = logging.getLogger(__name__)

Timing = tuple[str, str, float]
"""What a source's trigger is built from: schedule, time zone, jitter."""


class SourceScheduler:
    """Schedules every enabled source of the current config; each due run goes to a pool of N workers."""

    def __init__(
        self,
        config: Config,
        metrics: DaemonMetrics,
        runner: SourceRunner | None = None,
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.stop = threading.Event()
        """Set when the daemon stops: running crawls get SIGTERM, queued ones do not start."""
        # The daemon runs many crawls: each is forked from a pre-imported server, and stops with this scheduler.
        self._runner = replace(runner or SourceRunner(config), stop=self.stop, forked=True)
        self._running: set[str] = set()
        self._timings: dict[str, Timing] = {}
        """Schedule, zone and jitter each job was built from, to tell which a reload changes."""
        self._idle = threading.Condition()
        self._enqueuer: Enqueuer | None = None
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max(1, config.scheduler.max_concurrent_crawls))},
            job_defaults=self._job_defaults(config),
            timezone=config.scheduler.timezone,
        )

    @property
    def running(self) -> list[str]:
        with self._idle:
            return sorted(self._running)

    @property
    def alive(self) -> bool:
        return bool(self._scheduler.running)

    def start(self) -> None:
        """Start scheduling: one job per enabled source, overdue ones (catch-up) due now."""
        self._scheduler.start()
        sources = [source for source in self.config.sources if source.enabled]
        overdue = self._overdue(sources)
        for source in sources:
            self._add(source, catch_up=source.name in overdue)
        log.info(
            "scheduling %d source(s): %s", len(sources), ", ".join(f"{s.name} ({s.schedule})" for s in sources) or "-"
        )

    def reload(self, new: Config) -> None:
        """Apply a new config: added, removed and changed sources take effect now."""
        old = {source.name: source for source in self.config.sources if source.enabled}
        fresh = {source.name: source for source in new.sources if source.enabled}
        self.config = new
        for name in old.keys() - fresh.keys():
            self._remove(name)
        added = [fresh[name] for name in fresh.keys() - old.keys()]
        overdue = self._overdue(added)
        for source in added:
            self._add(source, catch_up=source.name in overdue)
        for name in fresh.keys() & old.keys():
            if _timing(new, fresh[name]) != self._timings.get(name):
                self._scheduler.reschedule_job(name, trigger=build_trigger(fresh[name], new))
                self._timings[name] = _timing(new, fresh[name])
                log.info("source %s rescheduled: %s", name, fresh[name].schedule)
        grace = self._job_defaults(new)["misfire_grace_time"]
        for job in self._scheduler.get_jobs():
            job.modify(misfire_grace_time=grace)
        log.info(
            "config reloaded: %d source(s) scheduled (%d added, %d removed)",
            len(fresh),
            len(added),
            len(old.keys() - fresh.keys()),
        )

    def shutdown(self, timeout: float) -> bool:
        """Stop scheduling, SIGTERM running crawls (through ``stop``), wait up to ``timeout``; True if all ended."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._enqueuer is not None:
            self._enqueuer.close()
        deadline = time.monotonic() + timeout
        with self._idle:
            self.stop.set()  # under the lock: a queued run either registered before this or will not start
            while self._running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.error("crawls still running after %.0fs: %s", timeout, ", ".join(sorted(self._running)))
                    return False
                self._idle.wait(remaining)
        return True

    def _add(self, source: SourceConfig, catch_up: bool) -> None:
        options = {"next_run_time": datetime.now(UTC)} if catch_up else {}
        self._scheduler.add_job(
            self._run,
            trigger=build_trigger(source, self.config),
            args=[source.name],
            id=source.name,
            name=f"crawl {source.name}",
            replace_existing=True,
            **options,
        )
        self._timings[source.name] = _timing(self.config, source)
        if catch_up:
            log.info("source %s missed its last scheduled run: catching up now", source.name)

    def _remove(self, name: str) -> None:
        try:
            self._scheduler.remove_job(name)
        except JobLookupError:
            log.debug("no job for %s", name)
        self._timings.pop(name, None)
        self.metrics.forget(name)
        log.info("source %s removed from the schedule", name)

    def _overdue(self, sources: list[SourceConfig]) -> set[str]:
        """Sources whose last successful run is older than their previous fire time (read from the database)."""
        if not sources:
            return set()
        now = datetime.now(UTC)
        try:
            with connect(database_url(self.config), autocommit=True, attempts=3, retry_wait=1.0) as conn:
                last = {source.name: last_success_at(conn, source.name) for source in sources}
        except (DatabaseUnavailable, psycopg.Error) as error:
            log.warning("catch-up skipped, the database could not answer: %s", error)
            return set()
        for name, when in last.items():
            self.metrics.set_last_success(name, when)
        return {source.name for source in sources if is_overdue(source, self.config, last[source.name], now)}

    def _run(self, name: str) -> None:
        """One scheduled run; never raises, so a failing run cannot take the scheduler down."""
        try:
            source = self.config.source(name)
        except KeyError:
            log.info("source %s was removed before its run started", name)
            return
        with self._idle:
            if self.stop.is_set():
                return
            self._running.add(name)
        self.metrics.running.inc()
        started = time.monotonic()
        try:
            self._run_source(source)
        finally:
            self.metrics.running.dec()
            with self._idle:
                self._running.discard(name)
                self._idle.notify_all()
            log.debug("job of %s ended after %.1fs", name, time.monotonic() - started)

    def _run_source(self, source: SourceConfig) -> None:
        if self.config.scheduler.mode == "queue":
            self._enqueue(source)
            return
        started = time.monotonic()
        try:
            runner = replace(self._runner, config=self.config)  # the config as last reloaded
            result = runner.run(RunRequest(source, "daemon", scheduled_for=self._tick(source)))
        except DatabaseUnavailable as error:
            log.error(
                "run of %s not started, database unavailable (retried at its next schedule): %s", source.name, error
            )
            self.metrics.record_run(source.name, "error", time.monotonic() - started, None)
        except Exception:  # a scheduled job's wrapper: log it, keep the daemon going
            log.exception("run of %s failed unexpectedly; the daemon carries on", source.name)
            self.metrics.record_run(source.name, "error", time.monotonic() - started, None)
        else:
            self.metrics.record_run(source.name, result.status, result.duration, result.stats)

    def _enqueue(self, source: SourceConfig) -> None:
        """Queue mode: the tick goes to the queue, for a worker; a source with a run still waiting is coalesced."""
        try:
            self._queue().enqueue(source.name, "daemon", scheduled_for=self._tick(source))
        except DatabaseUnavailable as error:
            log.error("run of %s not enqueued, database unavailable (retried at its next tick): %s", source.name, error)
        except Exception:  # a scheduled job's wrapper: log it, keep the daemon going
            log.exception("enqueueing %s failed unexpectedly; the daemon carries on", source.name)

    def _tick(self, source: SourceConfig) -> datetime | None:
        """The scheduled time this run serves (APScheduler does not hand it to the job): the latest one due."""
        return previous_fire_time(source, self.config, datetime.now(UTC))

    def _queue(self) -> Enqueuer:
        with self._idle:
            if self._enqueuer is None:
                self._enqueuer = Enqueuer(database_url(self.config))
            return self._enqueuer

    @staticmethod
    def _job_defaults(config: Config) -> dict[str, object]:
        # APScheduler wants a positive whole number of seconds; its default of 1 s would drop runs that start late.
        return {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": max(1, round(config.scheduler.misfire_grace)),
        }


def _timing(config: Config, source: SourceConfig) -> Timing:
    return source.schedule, config.source_timezone(source), source.jitter
