"""The fleet for real: publishers on one static server, the daemon in queue mode and N workers, round by round.

Round 1 is the first pass (every publisher's article stored). Round 2 is unchanged: every feed and home page
answers 304 (what most of a fleet's runs are), and its deltas are the unit figures: worker CPU, database bytes
(every table but the queue's, indexes and TOAST included), WARC files and archive objects per run. Before round 3
``changed`` of the publishers get a new article. A round ends when every source has one more ended run.
Then the queue with workers free: as many sources as worker slots on a short schedule, a few ticks, their jobs'
enqueue → start times (from procrastinate's events, copied aside because workers delete a successful job).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.fleetprocs import EVENTS_COPY, Processes, RssSampler, scalar, tree_cpu, wait_for
from bench.fleetsite import config_text, generate, publish, publisher_name
from bench.server import StaticServer, free_port
from crawler.storage.database import connect
from scheduler.queue.app import ensure_queue_schema

PROBE_INTERVAL = 5
PROBE_TICKS = 4
_TABLE_BYTES = """
SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')
  AND c.relname NOT LIKE 'procrastinate%' AND c.relname NOT LIKE 'bench%'
"""
"""Our tables (monthly partitions included: they are plain tables), with their indexes and TOAST; not the queue's."""
_ROUNDS_DONE = """
SELECT count(*) FROM (SELECT source FROM crawl_runs WHERE status <> 'running' GROUP BY source
                      HAVING count(*) >= %s) AS done
"""
_LATENCY = """
SELECT percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM s.at - d.at)), count(*)
FROM bench_job_events d JOIN bench_job_events s ON s.job_id = d.job_id AND s.type = 'started'
WHERE d.type = 'deferred' AND d.at >= %s AND d.at < %s
"""


@dataclass(frozen=True)
class FleetOptions:
    sources: int
    workers: int = 2
    concurrency: int = 2
    interval: int = 60
    changed: float = 0.05
    code: Path | None = None
    timeout: float = 7200


@dataclass
class Snapshot:
    at: float
    db_at: object
    runs: int
    db_bytes: int
    worker_cpu: float
    daemon_cpu: float
    warc_files: int
    objects: int
    articles: int


@dataclass
class FleetFigures:
    options: FleetOptions
    snapshots: list[Snapshot] = field(default_factory=list)
    burst_latency: tuple[float, float, int] = (0.0, 0.0, 0)
    free_latency: tuple[float, float, int] = (0.0, 0.0, 0)
    daemon_rss_mb: float = 0.0

    def _delta(self, name: str, round_: int) -> float:
        first, last = self.snapshots[round_ - 1], self.snapshots[round_]
        return getattr(last, name) - getattr(first, name)

    def _left(self, name: str) -> float:
        """Files (or objects) in the archive as the fleet left it, per 1,000 runs of all rounds: merges after runs
        take files away again, so a round's difference can be negative."""
        first, last = self.snapshots[0], self.snapshots[-1]
        return getattr(last, name) / max(last.runs - first.runs, 1) * 1000

    def pairs(self) -> dict[str, object]:
        runs = self._delta("runs", 2)
        seconds = self._delta("at", 2)
        per_10k = 10_000 / self.options.sources
        return {
            "fleet_sources": self.options.sources,
            "fleet_workers": self.options.workers * self.options.concurrency,
            "unchanged_runs": int(runs),
            "unchanged_runs_per_min": runs / seconds * 60,
            "unchanged_runs_per_worker_core_hour": runs / max(self._delta("worker_cpu", 2), 1e-9) * 3600,
            "worker_cpu_s_per_unchanged_run": self._delta("worker_cpu", 2) / runs,
            "db_bytes_per_unchanged_run": self._delta("db_bytes", 2) / runs,
            "warc_files_per_1000_runs": self._left("warc_files"),
            "objects_per_1000_runs": self._left("objects"),
            "changed_round_db_bytes_per_run": self._delta("db_bytes", 3) / self._delta("runs", 3),
            "changed_round_new_articles": int(self._delta("articles", 3)),
            "fleet_daemon_cpu_pct_per_10k": self._delta("daemon_cpu", 2) / seconds * 100 * per_10k,
            "fleet_daemon_rss_mb": self.daemon_rss_mb,
            "burst_latency_p50_s": self.burst_latency[0],
            "burst_latency_p95_s": self.burst_latency[1],
            "free_latency_p50_s": self.free_latency[0],
            "free_latency_p95_s": self.free_latency[1],
        }

    def lines(self) -> list[str]:
        p = self.pairs()
        return [
            f"fleet, {p['fleet_sources']:,} publishers every {self.options.interval}s, {p['fleet_workers']} worker "
            f"slots ({self.options.workers} processes): first pass {self._delta('at', 1):.0f}s",
            f"unchanged round: {p['unchanged_runs']} runs, {p['unchanged_runs_per_min']:.0f}/min, "
            f"{p['worker_cpu_s_per_unchanged_run']:.3f} worker CPU s/run = "
            f"{p['unchanged_runs_per_worker_core_hour']:,.0f} runs per worker core-hour",
            f"  database {p['db_bytes_per_unchanged_run']:,.0f} bytes/run (indexes included); "
            f"{p['warc_files_per_1000_runs']:.0f} WARC files and {p['objects_per_1000_runs']:.0f} objects per "
            "1,000 runs (the archive as left)",
            f"changed round ({self.options.changed:.0%} with a new article): {p['changed_round_new_articles']} new "
            f"articles, {p['changed_round_db_bytes_per_run']:,.0f} database bytes/run",
            f"daemon: {p['fleet_daemon_cpu_pct_per_10k']:.2f} % of a core per 10,000 sources on {self.options.interval}"
            f"s, {p['fleet_daemon_rss_mb']:.0f} MB RSS",
            f"enqueue -> start: under the round's burst p50 {p['burst_latency_p50_s']:.2f}s p95 "
            f"{p['burst_latency_p95_s']:.2f}s; workers free p50 {p['free_latency_p50_s']:.3f}s p95 "
            f"{p['free_latency_p95_s']:.3f}s ({self.free_latency[2]} jobs)",
        ]


def measure_fleet(url: str, folder: Path, options: FleetOptions) -> FleetFigures:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = folder / "site"
    generate(site, options.sources, base)
    names = [publisher_name(index) for index in range(options.sources)]
    data = folder / "data"
    config = folder / "newsarchive.toml"
    text = config_text(url, data, names, base, f"{options.interval}s", options.concurrency)
    config.write_text(text, encoding="utf-8")
    _prepare_queue(url)
    figures = FleetFigures(options)
    with StaticServer(site, port) as _server, Processes(config, folder / "fleet.log", code=options.code) as procs:
        workers = [procs.worker(f"fleet-{index}", options.concurrency) for index in range(options.workers)]
        daemon = procs.daemon()
        with RssSampler(daemon.pid) as rss:
            figures.snapshots.append(_snapshot(url, data, workers, daemon))
            for round_ in (1, 2, 3):
                if round_ == 3:
                    chosen = random.Random(3).sample(range(options.sources), round(options.sources * options.changed))
                    publish(site, sorted(chosen), base)
                _wait_round(url, procs, round_, options)
                figures.snapshots.append(_snapshot(url, data, workers, daemon))
        figures.daemon_rss_mb = rss.peak_mb
        procs.stop(daemon)
        start, end = figures.snapshots[1].db_at, figures.snapshots[2].db_at
        figures.burst_latency = _latency(url, start, end)
        figures.free_latency = _probe(url, folder, procs, data, names, base, options)
    return figures


def _prepare_queue(url: str) -> None:
    ensure_queue_schema(url)
    with connect(url, autocommit=True) as conn:
        conn.execute(EVENTS_COPY)


def _wait_round(url: str, procs: Processes, round_: int, options: FleetOptions) -> None:
    done = lambda: int(scalar(url, _ROUNDS_DONE, [round_])) >= options.sources  # noqa: E731
    wait_for(done, options.timeout, f"round {round_} of the fleet", poll=1.0, alive=procs)


def _snapshot(url: str, data: Path, workers: list, daemon: object) -> Snapshot:
    archive = data / "archive"
    files = [path for path in archive.rglob("*") if path.is_file()] if archive.exists() else []
    with connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT now(), (SELECT count(*) FROM crawl_runs WHERE status <> 'running'), "
            f"({_TABLE_BYTES}), (SELECT count(*) FROM articles)"
        ).fetchone()
    return Snapshot(
        at=time.monotonic(),
        db_at=row[0],
        runs=row[1],
        db_bytes=int(row[2]),
        worker_cpu=sum(tree_cpu(worker.pid) for worker in workers),
        daemon_cpu=tree_cpu(daemon.pid),
        warc_files=sum(1 for path in files if path.name.endswith((".warc.gz", ".warc.gz.open"))),
        objects=sum(1 for path in files if not path.name.endswith((".open", ".part", ".tmp"))),
        articles=row[3],
    )


def _latency(url: str, start: object, end: object) -> tuple[float, float, int]:
    """(p50, p95 seconds, jobs) from each job's deferred event to its started event, for jobs deferred in the window."""
    with connect(url, autocommit=True) as conn:
        quantiles, count = conn.execute(_LATENCY, [start, end]).fetchone()
    return (quantiles[0], quantiles[1], count) if count else (0.0, 0.0, 0)


def _probe(
    url: str, folder: Path, procs: Processes, data: Path, names: list[str], base: str, options: FleetOptions
) -> tuple[float, float, int]:
    """A few ticks of as many sources as worker slots, once the queue is empty: enqueue → start, workers free."""
    wait_for(lambda: not _busy(url), options.timeout, "the queue to drain", alive=procs)
    slots = options.workers * options.concurrency
    config = folder / "probe.toml"
    probe = names[:slots]
    config.write_text(config_text(url, data, probe, base, f"{PROBE_INTERVAL}s", options.concurrency), "utf-8")
    start = scalar(url, "SELECT now()")
    daemon = procs.daemon(config)
    ended = int(scalar(url, "SELECT count(*) FROM crawl_runs WHERE status <> 'running'"))
    target = ended + slots * PROBE_TICKS
    runs = lambda: int(scalar(url, "SELECT count(*) FROM crawl_runs WHERE status <> 'running'")) >= target  # noqa: E731
    wait_for(runs, PROBE_INTERVAL * PROBE_TICKS * 6 + 120, "the probe's runs", alive=procs)
    procs.stop(daemon)
    return _latency(url, start, scalar(url, "SELECT now()"))


def _busy(url: str) -> bool:
    return bool(scalar(url, "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"))
