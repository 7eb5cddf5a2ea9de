"""What the benchmark scripts share: a throwaway database, the served site, CPU and memory accounting, output."""

from __future__ import annotations

import contextlib
import os
import re
import statistics
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.server import LoadResult, StaticServer, free_port, load_check
from bench.site import SiteFiles, generate
from crawler.storage.database import connect
from crawler.storage.scratch import scratch_database

ADMIN_URL = os.environ.get("NEWSARCHIVE_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CACHE = Path(os.environ.get("NEWSARCHIVE_BENCH_CACHE", "/tmp/newsarchive-bench"))
DEFAULT_PORT = 8431
SAMPLE_INTERVAL = 0.2
_ARTICLE_DIR = re.compile(r"-\d+$")


@contextlib.contextmanager
def bench_database(admin_url: str = ADMIN_URL) -> Iterator[str]:
    """A new, migrated ``newsarchive_bench_<random>`` database, dropped afterwards."""
    with scratch_database(admin_url, "newsarchive_bench") as url:
        yield url


@dataclass
class ServedSite:
    files: SiteFiles
    server: StaticServer
    load: LoadResult

    @property
    def base_url(self) -> str:
        return self.files.base_url


@contextlib.contextmanager
def served_site(pages: int, *, python_server: bool = False, seed: int = 1) -> Iterator[ServedSite]:
    """The generated site (cached per size, seed and port) served on 127.0.0.1, after a load check of the server."""
    port = free_port(DEFAULT_PORT)
    files = generate(CACHE / f"site-{pages}-{seed}-{port}", pages, f"http://127.0.0.1:{port}", seed=seed)
    with StaticServer(Path(files.folder), port, prefer_nginx=not python_server) as server:
        article = article_pages(Path(files.folder))[0].parent
        load = load_check(f"{server.base_url}/{article.name}/", seconds=2.0)
        yield ServedSite(files, server, load)


def article_pages(folder: Path) -> list[Path]:
    """The generated site's article pages (``<slug>-<post id>/index.html``), in name order."""
    return sorted(path / "index.html" for path in folder.iterdir() if _ARTICLE_DIR.search(path.name))


@dataclass
class Usage:
    """CPU (in cores, averaged over the run) and memory seen while a run was measured."""

    seconds: float = 0.0
    machine_busy: float = 0.0
    ours: float = 0.0
    """This benchmark's process tree (crawl, workers, server) and the PostgreSQL backends of its database."""
    postgres_ours: float = 0.0
    peak_rss_mb: float = 0.0
    """The crawl process's peak resident set (VmHWM)."""
    peak_workers_rss_mb: float = 0.0
    """The worker processes' resident sets, summed, at their highest."""
    rss_samples: list[float] = field(default_factory=list)
    crawl_cpu_s: float = 0.0
    """CPU seconds of the crawl process itself (reactor, WARC writer, database threads)."""
    workers_cpu_s: float = 0.0
    """CPU seconds of its worker processes (and other children), summed."""

    @property
    def rss_growth_mb(self) -> float:
        """The crawl process's RSS at the end minus at a quarter of the run: what the crawl keeps per page it has
        done (its peak comes early, while listings and sitemaps are parsed, so a peak alone cannot show growth)."""
        samples = self.rss_samples
        if len(samples) < 8:
            return 0.0
        return max(samples[-3:]) - samples[len(samples) // 4]

    @property
    def foreign(self) -> float:
        """Everything else the machine did meanwhile (other users, other databases)."""
        return max(0.0, self.machine_busy - self.ours)


class Monitor:
    """Samples /proc while a run goes on: machine CPU, our processes' CPU, the crawl process's memory."""

    def __init__(self, *, crawl_marker: str, database: str | None = None, extra_pids: Iterable[int] = ()) -> None:
        self.crawl_marker = crawl_marker
        """A word in the crawl process's command line (its module name)."""
        self.database = database
        self.extra_pids = list(extra_pids)
        self.usage = Usage()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_loop, name="bench-monitor", daemon=True)
        self._pg_cpu: dict[int, tuple[float, float]] = {}
        self._worker_cpu: dict[int, float] = {}
        self._self = psutil.Process()

    def __enter__(self) -> Monitor:
        self._started = time.monotonic()
        self._busy0, self._total0 = _machine_jiffies()
        self._ours0 = self._own_cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        busy, total = _machine_jiffies()
        seconds = time.monotonic() - self._started
        cores = psutil.cpu_count() or 1
        usage = self.usage
        usage.seconds = seconds
        usage.machine_busy = (busy - self._busy0) / max(1, total - self._total0) * cores
        postgres = sum(last - first for first, last in self._pg_cpu.values())
        usage.postgres_ours = postgres / seconds
        usage.ours = (self._own_cpu() - self._ours0 + postgres) / seconds

    def _own_cpu(self) -> float:
        """CPU seconds of this process, its reaped children (the crawl, its workers) and the server's processes."""
        times = self._self.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for pid in self.extra_pids:
            with contextlib.suppress(psutil.Error):
                extra = psutil.Process(pid).cpu_times()
                total += extra.user + extra.system
        return total

    def _sample_loop(self) -> None:
        conn = connect(ADMIN_URL, autocommit=True) if self.database else None
        try:
            while not self._stop.wait(SAMPLE_INTERVAL):
                self._sample_memory()
                if conn is not None:
                    self._sample_postgres(conn)
        finally:
            if conn is not None:
                conn.close()

    def _sample_memory(self) -> None:
        for child in self._self.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if self.crawl_marker in " ".join(child.cmdline()):
                    self._sample_crawl(child)

    def _sample_crawl(self, crawl: psutil.Process) -> None:
        """Memory of the crawl process and its workers; their CPU apart (the last sample of each counts)."""
        usage = self.usage
        usage.peak_rss_mb = max(usage.peak_rss_mb, _hwm_mb(crawl.pid))
        usage.rss_samples.append(crawl.memory_info().rss / 2**20)
        times = crawl.cpu_times()
        usage.crawl_cpu_s = max(usage.crawl_cpu_s, times.user + times.system)
        workers_rss = 0
        for worker in crawl.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                workers_rss += worker.memory_info().rss
                times = worker.cpu_times()
                self._worker_cpu[worker.pid] = times.user + times.system
        usage.peak_workers_rss_mb = max(usage.peak_workers_rss_mb, workers_rss / 2**20)
        usage.workers_cpu_s = sum(self._worker_cpu.values())

    def _sample_postgres(self, conn: object) -> None:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]).fetchall()
        for (pid,) in rows:
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(pid).cpu_times()
                spent = times.user + times.system
                first, _ = self._pg_cpu.get(pid, (0.0, 0.0))
                self._pg_cpu[pid] = (first, spent)


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat (busy = total minus idle and iowait)."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(value) for value in handle.readline().split()[1:]]
    total = sum(values[:8])  # guest time is already counted in user
    return total - values[3] - values[4], total


def _hwm_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else 0.0


def key_values(pairs: dict[str, object]) -> str:
    """The scripts' last line: ``key=value`` pairs, floats rounded."""
    return " ".join(f"{key}={round(value, 3) if isinstance(value, float) else value}" for key, value in pairs.items())


def load_note(served: ServedSite, fastest_pages_s: float) -> str:
    """Whether the server could be what limits the crawl."""
    load = served.load
    verdict = "not the bottleneck" if load.requests_per_s > 3 * fastest_pages_s else "POSSIBLY THE BOTTLENECK"
    if served.server.kind == "python":
        verdict += " (but its CPU, in this process, competes with the crawl's: install nginx)"
    return (
        f"server: {served.server.kind}, alone {load.requests_per_s:,.0f} req/s ({load.tool}, {load.connections} "
        f"connections, one article page, gzip) vs {fastest_pages_s:,.0f} pages/s fastest crawl: {verdict}"
    )
