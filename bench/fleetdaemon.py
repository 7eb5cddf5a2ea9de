"""The daemon alone: many sources scheduled and enqueued in queue mode, no workers, no crawls; its CPU and memory.

The schedule is a short interval (every source due at once, as ``*/30 * * * *`` makes them at :00 and :30), so a
few ticks happen within the bench. Measured: the start (config, catch-up of every source, which never ran: the
first enqueue of all of them), one scheduled tick (the queue is emptied before it, as free workers would), and the
idle time between ticks. The CPU share on 30-minute schedules is projected from those: one tick's CPU plus 30
minutes of idle CPU, over 30 minutes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from bench.fleetprocs import Processes, RssSampler, scalar, tree_cpu, wait_for
from bench.fleetsite import config_text, publisher_name
from crawler.storage.database import connect
from scheduler.queue.app import ensure_queue_schema

PERIOD = 1800.0
"""The schedule the projection is for: every 30 minutes."""
NOWHERE = "http://127.0.0.1:9"
"""No crawl runs in this phase; the sources' URLs need not answer."""


@dataclass
class DaemonFigures:
    sources: int
    start_s: float
    start_cpu_s: float
    tick_s: float
    tick_cpu_s: float
    idle_cpu_pct: float
    peak_rss_mb: float
    rss_mb: float

    @property
    def cpu_pct_30min(self) -> float:
        """A core's share on 30-minute schedules: one tick plus idle time, per 30 minutes."""
        return (self.tick_cpu_s + self.idle_cpu_pct / 100 * PERIOD) / PERIOD * 100

    def pairs(self) -> dict[str, float]:
        per = 10_000 / self.sources
        return {
            "daemon_sources": self.sources,
            "daemon_start_s": self.start_s,
            "daemon_tick_s": self.tick_s,
            "daemon_tick_cpu_s_per_10k": self.tick_cpu_s * per,
            "daemon_idle_cpu_pct": self.idle_cpu_pct,
            "daemon_cpu_pct_30min": self.cpu_pct_30min,
            "daemon_cpu_pct_30min_per_10k": self.cpu_pct_30min * per,
            "daemon_rss_mb": self.peak_rss_mb,
            "daemon_rss_mb_per_10k": self.peak_rss_mb * per,
        }


def measure_daemon(
    url: str, folder: Path, count: int, interval: int, *, code: Path | None = None, timeout: float = 900
) -> DaemonFigures:
    """Start a daemon on ``count`` sources every ``interval`` seconds; measure its start, a tick, its idle time."""
    config = folder / "daemon.toml"
    names = [publisher_name(index) for index in range(count)]
    config.write_text(config_text(url, folder / "data", names, NOWHERE, f"{interval}s", 1), encoding="utf-8")
    ensure_queue_schema(url)
    with Processes(config, folder / "daemon.log", code=code) as procs:
        daemon = procs.daemon()
        with RssSampler(daemon.pid) as rss:
            started = time.monotonic()
            wait_for(lambda: _queued(url) >= count, timeout, "the daemon's catch-up of every source", alive=procs)
            start_s, start_cpu = time.monotonic() - started, tree_cpu(daemon.pid)
            _wait_past_tick(interval)  # the tick the catch-up may have coalesced into goes by
            _empty_queue(url)
            tick_s, tick_cpu = _one_tick(url, procs, count, interval, timeout)
            _empty_queue(url)
            idle = _idle_cpu_pct(daemon.pid, interval)
            rss_now = rss.peak_mb
        procs.stop(daemon)
    return DaemonFigures(count, start_s, start_cpu, tick_s, tick_cpu, idle, rss.peak_mb, rss_now)


def _one_tick(url: str, procs: Processes, count: int, interval: int, timeout: float) -> tuple[float, float]:
    """(seconds from the tick until every source is queued, CPU seconds of it)."""
    pid = procs.started[0].pid
    tick = math.ceil(time.time() / interval) * interval
    time.sleep(max(0.0, tick - time.time() - 0.5))
    cpu = tree_cpu(pid)
    wait_for(lambda: _queued(url) >= count, timeout, "a tick enqueueing every source", poll=0.2, alive=procs)
    return time.time() - tick, tree_cpu(pid) - cpu


def _idle_cpu_pct(pid: int, interval: int) -> float:
    """CPU share between ticks: from a few seconds after one tick (its batch logged) to just before the next."""
    time.sleep(3.0)
    now = time.time()
    until = math.ceil(now / interval) * interval - 1.0
    if until - now < 3:
        until += interval
    cpu = tree_cpu(pid)
    seconds = until - now
    time.sleep(seconds)
    return (tree_cpu(pid) - cpu) / seconds * 100


def _wait_past_tick(interval: int) -> None:
    """Until just after the next tick, unless the daemon's start already took longer than an interval."""
    tick = math.ceil(time.time() / interval) * interval
    time.sleep(max(0.0, tick - time.time() + 2.0))


def _queued(url: str) -> int:
    return int(scalar(url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'"))


def _empty_queue(url: str) -> None:
    """What free workers would do to the waiting jobs: take them all (here: delete them)."""
    with connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM procrastinate_jobs")
