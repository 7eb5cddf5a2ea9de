"""The daemon's life: wait for leadership, schedule sources, reload on SIGHUP, stop cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import collections
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import psycopg

from crawler.config import Config
from crawler.errors import ArchiveError, ConfigError, DatabaseUnavailable
from crawler.storage.database import connect, database_url, redact
from crawler.storage.migrate import migrate_connection
from crawler.storage.runs import close_abandoned_runs
from scheduler import exitcodes
from scheduler.daemon.maintenance import MaintenanceJob
from scheduler.daemon.schedules import SourceScheduler
from scheduler.jobs import SourceRunner
from scheduler.leader import LEADER_CHECK, LEADER_POLL, MAX_UNAVAILABLE_WAIT, LeaderLock
from scheduler.locks import LockState
from scheduler.metrics import DaemonMetrics, MetricsServer, parse_listen

log = logging.getLogger(__name__)

HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class Daemon:
    """One scheduling daemon process. Signal handlers only queue the signal; the main thread acts on it."""

    def __init__(self, config: Config, load: Callable[[], Config], runner: SourceRunner | None = None) -> None:
        self.config = config
        self.metrics = DaemonMetrics()
        self.sources: SourceScheduler | None = None
        self._load = load
        self._runner = runner
        self._url = database_url(config)
        self._leader = LeaderLock(self._url)
        self._role = "starting"
        self._stopping = False
        self._pending: collections.deque[int] = collections.deque()
        self._wake = threading.Event()
        self._database_down = False

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT; the process exit code."""
        self._install_signal_handlers()
        server = self._start_metrics()
        code = exitcodes.OK
        try:
            while not self._stopping:
                if self._wait_for_leadership():
                    code = self._lead()
        finally:
            self._leader.release()
            if server is not None:
                server.stop()
        log.info("daemon stopped")
        return code

    def health(self) -> dict[str, Any]:
        """The ``/healthz`` document."""
        document: dict[str, Any] = {"status": "ok", "role": self._role, "running_crawls": []}
        sources = self.sources  # read once: the main thread may replace it while this HTTP thread answers
        if sources is not None:
            document["running_crawls"] = sources.running
            if self._role == "leader" and not sources.alive and not self._stopping:
                document["status"] = "error"
        down = self._database_down or self._leader.state is LockState.DEGRADED
        document["database"] = "unreachable" if down else "ok"
        return document

    def _wait_for_leadership(self) -> bool:
        self._role = "standby"
        announced = False
        pause = LEADER_POLL
        while not self._stopping:
            try:
                taken = self._leader.acquire()
                self._database_down = False
                if taken:
                    return True
                if not announced:
                    log.info("another daemon leads on this database; standing by to take over")
                    announced = True
                pause = LEADER_POLL
                self._sleep(LEADER_POLL)
            except DatabaseUnavailable as error:
                self._database_down = True
                log.warning("database unavailable, the daemon keeps trying (next in %.0fs): %s", pause, error)
                self._sleep(pause)
                pause = min(pause * 2, MAX_UNAVAILABLE_WAIT)
        return False

    def _lead(self) -> int:
        self._role = "leader"
        log.info("leading the schedule on %s", redact(self._url))
        self._close_abandoned_runs()
        maintenance = MaintenanceJob(self._url, self.config.retention)
        maintenance.start()
        try:
            return self._schedule()
        finally:
            maintenance.stop()

    def _schedule(self) -> int:
        self.sources = SourceScheduler(self.config, self.metrics, self._runner)
        self.sources.start()
        next_check = time.monotonic() + LEADER_CHECK
        while not self._stopping:
            self._sleep(max(0.0, next_check - time.monotonic()))
            if self._stopping or time.monotonic() < next_check:
                continue
            next_check = time.monotonic() + LEADER_CHECK
            if self._leader.check() is LockState.LOST:
                log.error("leader lock lost to another daemon: stopping this one's crawls and standing by")
                self._leader.release()
                self._shutdown_sources()
                return exitcodes.OK
        return exitcodes.OK if self._shutdown_sources() else exitcodes.FAILED

    def _shutdown_sources(self) -> bool:
        if self.sources is None:
            return True
        timeout = self.config.scheduler.stop_timeout
        log.info("stopping: no new runs; waiting up to %.0fs for running crawls to end", timeout)
        ended = self.sources.shutdown(timeout)
        self.sources = None
        self._close_abandoned_warcs()
        return ended

    def _close_abandoned_warcs(self) -> None:
        """Close WARCs that crawls forced down (second SIGTERM, SIGKILL) could not, so none is left ``.open``.

        Files a live writer holds are skipped (recovery takes their lock first), so this is safe while any other
        process crawls into the same archive.
        """
        from crawler.storage.captures import CaptureStore
        from crawler.warc.recovery import recover_and_index

        directory = self.config.archive.dir
        if not directory.is_dir():
            return
        try:
            recovered = recover_and_index(directory)
        except ArchiveError as error:
            log.error("could not close an abandoned WARC file: %s", error)
            return
        if not recovered:
            return
        log.warning("closed %d WARC file(s) left open by stopped crawls", len(recovered))
        try:
            with connect(self._url, attempts=2, retry_wait=1.0) as conn:
                CaptureStore(conn).index_recovered(recovered)
        except (DatabaseUnavailable, psycopg.Error) as error:
            names = ", ".join(item.path.name for item in recovered)
            log.error("recovered WARC file(s) %s not indexed in the database: %s", names, error)

    def _close_abandoned_runs(self) -> None:
        """Runs left ``running`` on this host by a killed daemon are closed (cancelled) before anything is scheduled."""
        try:
            with connect(self._url, autocommit=True, attempts=3, retry_wait=1.0) as conn:
                migrate_connection(conn)
                repaired = close_abandoned_runs(conn, host=socket.gethostname())
        except (DatabaseUnavailable, psycopg.Error) as error:
            log.warning("could not repair stale runs now: %s", error)
            return
        if repaired:
            log.warning("repaired %d run(s) left running by a dead process", repaired)

    def _reload(self) -> None:
        try:
            new = self._load()
        except ConfigError as error:
            log.error("config reload failed, keeping the current config: %s", error)
            return
        for label, before, after in (
            ("database", self.config.database, new.database),
            ("metrics", self.config.metrics, new.metrics),
            (
                "scheduler.max_concurrent_crawls",
                self.config.scheduler.max_concurrent_crawls,
                new.scheduler.max_concurrent_crawls,
            ),
        ):
            if before != after:
                log.warning("config reload: %s changed, which takes effect when the daemon restarts", label)
        new = replace(new, database=self.config.database, metrics=self.config.metrics)
        self.config = new
        if self.sources is not None:
            self.sources.reload(new)
        else:
            log.info("config reloaded (standing by)")

    def _start_metrics(self) -> MetricsServer | None:
        address = parse_listen(self.config.metrics.listen)
        if address is None:
            log.info("metrics endpoint disabled (metrics.listen is empty)")
            return None
        try:
            server = MetricsServer(self.metrics, self.health, *address)
        except OSError as error:
            raise ConfigError(f"metrics.listen: cannot listen on {self.config.metrics.listen}: {error}") from error
        server.start()
        return server

    def _install_signal_handlers(self) -> None:
        def queue(signum: int, _frame: object) -> None:
            self._pending.append(signum)
            self._wake.set()

        for signum in HANDLED_SIGNALS:
            signal.signal(signum, queue)

    def _sleep(self, seconds: float) -> None:
        """Wait up to ``seconds``, returning early for a signal, which is acted on here in the main thread."""
        self._wake.wait(seconds)
        self._wake.clear()
        while self._pending:
            signum = self._pending.popleft()
            log.info("%s received", signal.Signals(signum).name)
            if signum == signal.SIGHUP:
                self._reload()
            else:
                self._stopping = True
