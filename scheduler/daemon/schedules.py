"""The APScheduler side of the daemon: the enabled sources' jobs, kept in step with the config, run in a pool.

Local mode: one job per source, each running its crawl. Queue mode: one job per schedule (and zone), enqueueing
its sources in bulk (see :mod:`scheduler.daemon.groups`); a source with jitter keeps a job of its own.
"""

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
from crawler.storage.runs import last_successes
from scheduler.daemon.groups import GroupKey, group_job_id, group_sources
from scheduler.jobs import RunRequest, SourceRunner
from scheduler.metrics import DaemonMetrics
from scheduler.queue.enqueue import Enqueuer
from scheduler.triggers import build_trigger, missed_since, previous_fire_time

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
        self._enqueuing = 0
        """Queue mode: schedule ticks enqueueing now (shutdown waits for them as for crawls)."""
        self._timings: dict[str, Timing] = {}
        """Schedule, zone and jitter each source's own job was built from, to tell which a reload changes."""
        self._groups: dict[GroupKey, list[SourceConfig]] = {}
        """Queue mode: the sources each schedule's job enqueues, read when it fires (a reload swaps the lists)."""
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
        """Start scheduling the enabled sources; overdue ones (catch-up) are due now."""
        self._scheduler.start()
        sources = [source for source in self.config.sources if source.enabled]
        overdue = self._overdue(sources)
        groups, singles = self._split(sources)
        self._groups = groups  # before the jobs: a catch-up runs at once and reads its members here
        for source in singles:
            self._add(source, catch_up=source.name in overdue)
        for key, members in groups.items():
            self._add_group(key, members, overdue)
        log.info("scheduling %d source(s): %s", len(sources), _summary(sources))

    def reload(self, new: Config) -> None:
        """Apply a new config: added, removed and changed sources take effect now."""
        old = {source.name for source in self.config.sources if source.enabled}
        fresh = {source.name: source for source in new.sources if source.enabled}
        self.config = new
        added = fresh.keys() - old
        overdue = self._overdue([fresh[name] for name in added])
        for name in old - fresh.keys():
            self.metrics.forget(name)
            log.info("source %s removed from the schedule", name)
        groups, singles = self._split(list(fresh.values()))
        self._reload_singles(singles, overdue)
        self._reload_groups(groups, overdue)
        grace = self._job_defaults(new)["misfire_grace_time"]
        for job in self._scheduler.get_jobs():
            job.modify(misfire_grace_time=grace)
        log.info(
            "config reloaded: %d source(s) scheduled (%d added, %d removed)",
            len(fresh),
            len(added),
            len(old - fresh.keys()),
        )

    def _reload_singles(self, singles: list[SourceConfig], overdue: set[str]) -> None:
        """Sources with a job of their own: removed, added (caught up when overdue), rescheduled."""
        wanted = {source.name: source for source in singles}
        for name in self._timings.keys() - wanted.keys():
            self._remove(name)
        for name, source in wanted.items():
            if name not in self._timings:
                self._add(source, catch_up=name in overdue)
            elif _timing(self.config, source) != self._timings[name]:
                self._scheduler.reschedule_job(name, trigger=build_trigger(source, self.config))
                self._timings[name] = _timing(self.config, source)
                log.info("source %s rescheduled: %s", name, source.schedule)

    def _reload_groups(self, groups: dict[GroupKey, list[SourceConfig]], overdue: set[str]) -> None:
        """Schedules no source has any more lose their job, new ones get one; members are swapped in place."""
        old, self._groups = self._groups, groups  # before the jobs: a catch-up runs at once and reads it
        for key in old.keys() - groups.keys():
            self._remove_job(group_job_id(key))
        for key, members in groups.items():
            if key in old:
                self._catch_up(key, [source for source in members if source.name in overdue])
            else:
                self._add_group(key, members, overdue)

    def shutdown(self, timeout: float) -> bool:
        """Stop scheduling, SIGTERM running crawls (through ``stop``), wait up to ``timeout``; True if all ended."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        deadline = time.monotonic() + timeout
        with self._idle:
            self.stop.set()  # under the lock: a queued run either registered before this or will not start
            while self._running or self._enqueuing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.error("crawls still running after %.0fs: %s", timeout, ", ".join(sorted(self._running)))
                    return False
                self._idle.wait(remaining)
        if self._enqueuer is not None:
            self._enqueuer.close()
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

    def _add_group(self, key: GroupKey, members: list[SourceConfig], overdue: set[str]) -> None:
        """One job for every source on this schedule; the overdue among them are enqueued now."""
        self._scheduler.add_job(
            self._run_group,
            trigger=build_trigger(members[0], self.config),  # jitter is 0 in a group: any member's trigger is all's
            args=[key],
            id=group_job_id(key),
            name=f"enqueue the sources on {key[0]} ({key[1]})",
            replace_existing=True,
        )
        self._catch_up(key, [source for source in members if source.name in overdue])

    def _catch_up(self, key: GroupKey, late: list[SourceConfig]) -> None:
        if not late:
            return
        self._scheduler.add_job(self._run_group, args=[key, [source.name for source in late]], name="catch-up")
        log.info("%d source(s) on %s missed their last scheduled run: catching up now", len(late), key[0])

    def _remove(self, name: str) -> None:
        self._remove_job(name)
        self._timings.pop(name, None)

    def _remove_job(self, job_id: str) -> None:
        try:
            self._scheduler.remove_job(job_id)
        except JobLookupError:
            log.debug("no job %s", job_id)

    def _overdue(self, sources: list[SourceConfig]) -> set[str]:
        """Sources whose last successful run is older than their previous fire time (one query for all)."""
        if not sources:
            return set()
        now = datetime.now(UTC)
        try:
            with connect(database_url(self.config), autocommit=True, attempts=3, retry_wait=1.0) as conn:
                last = last_successes(conn, [source.name for source in sources])
        except (DatabaseUnavailable, psycopg.Error) as error:
            log.warning("catch-up skipped, the database could not answer: %s", error)
            return set()
        for name, when in last.items():
            self.metrics.set_last_success(name, when)
        previous: dict[tuple[str, str], datetime | None] = {}
        overdue = set()
        for source in sources:
            key = (source.schedule, self.config.source_timezone(source))
            if key not in previous:  # one schedule's arithmetic serves all its sources
                previous[key] = previous_fire_time(source, self.config, now)
            if missed_since(previous[key], last.get(source.name)):
                overdue.add(source.name)
        return overdue

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

    def _run_group(self, key: GroupKey, names: list[str] | None = None) -> None:
        """One schedule's tick (or a catch-up of ``names``): its sources enqueued in bulk; never raises."""
        members = self._groups.get(key, [])
        if not members:
            return
        sources = [source.name for source in members] if names is None else names
        with self._idle:
            if self.stop.is_set():
                return
            self._enqueuing += 1
        try:
            self._queue().enqueue_many(sources, "daemon", scheduled_for=self._tick(members[0]))
        except DatabaseUnavailable as error:
            log.error("%d run(s) on %s not enqueued, database unavailable (retried at the next tick): %s",
                      len(sources), key[0], error)  # fmt: skip
        except Exception:  # a scheduled job's wrapper: log it, keep the daemon going
            log.exception("enqueueing the sources on %s failed unexpectedly; the daemon carries on", key[0])
        finally:
            with self._idle:
                self._enqueuing -= 1
                self._idle.notify_all()

    def _split(self, sources: list[SourceConfig]) -> tuple[dict[GroupKey, list[SourceConfig]], list[SourceConfig]]:
        """Queue mode groups sources by schedule; local mode keeps a job per source (each runs its crawl)."""
        if self.config.scheduler.mode != "queue":
            return {}, sources
        return group_sources(self.config, sources)

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


def _summary(sources: list[SourceConfig], listed: int = 20) -> str:
    """Every source and its schedule when few; else how many run on each schedule."""
    if len(sources) <= listed:
        return ", ".join(f"{s.name} ({s.schedule})" for s in sources) or "-"
    counts: dict[str, int] = {}
    for source in sources:
        counts[source.schedule] = counts.get(source.schedule, 0) + 1
    return ", ".join(f"{count} on {schedule}" for schedule, count in sorted(counts.items(), key=lambda kv: -kv[1]))


def _timing(config: Config, source: SourceConfig) -> Timing:
    return source.schedule, config.source_timezone(source), source.jitter
