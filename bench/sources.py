"""Many small sources: CPU per incremental run, forked from the worker's pre-imported server vs a fresh process.

Usage: ``python bench/sources.py [--sources 200] [--baseline 40] [--workers 1,2,4] [--quick]``.
Each source is its own replica site (three articles) on its own port. A first pass stores every article; then, in
this one process, an incremental pass over every source forked from the fork server (how the worker, the daemon
and ``crawl A B C`` run them) and one over ``--baseline`` sources with today's process-per-run path. CPU is
counted for this process and all it started (the fork server and its reaped crawls included, read through psutil).
Then a scaling run: every source enqueued, 1, 2 and 4 ``newsarchive worker`` processes drain the queue; runs per
minute and CPU per run (worker trees) for each. The last line: ``fork_cpu_s=… process_cpu_s=… cpu_ratio=…``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

ARTICLES_PER_SOURCE = 3


def tree_cpu(pid: int) -> float:
    """CPU seconds of a live process and its reaped children (psutil reads utime, stime, cutime, cstime)."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def own_cpu() -> float:
    """This process, its reaped children, and the live fork server (whose reaped children are the crawls)."""
    from multiprocessing import forkserver

    mine = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = mine.ru_utime + mine.ru_stime + reaped.ru_utime + reaped.ru_stime
    server = forkserver._forkserver._forkserver_pid
    if server and psutil.pid_exists(server):
        total += tree_cpu(server)
    return total


@contextlib.contextmanager
def publishers(count: int) -> Iterator[list]:
    from replica import ReplicaPublisher, ReplicaSite

    servers = [ReplicaPublisher(ReplicaSite(n_articles=ARTICLES_PER_SOURCE, seed=seed + 1)) for seed in range(count)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def config_file(folder: Path, url: str, servers: list) -> Path:
    lines = [f'[database]\nurl = "{url}"\n[storage]\ndata_dir = "{folder / "data"}"\n[scheduler]\nmode = "queue"\n']
    for index, server in enumerate(servers):
        base = server.base_url
        lines.append(
            f'[[sources]]\nname = "s{index:03d}"\nspider = "khaama"\nstart_urls = ["{base}/"]\n'
            f'feeds = ["{base}/feed/"]\nallowed_domains = ["127.0.0.1"]\ndownload_delay = "0s"\n'
        )
    lines.append('[[sources]]\nname = "khaama"\nenabled = false\nfeeds = ["https://www.khaama.com/feed/"]\n')
    path = folder / "newsarchive.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def one_pass(config, sources, *, forked: bool) -> tuple[float, float, int]:
    """(CPU seconds per run, wall seconds per run, runs that ended well) for one run of each source, in order."""
    from scheduler.jobs import RunRequest, SourceRunner

    runner = SourceRunner(config, log_level="WARNING", log_format="json", forked=forked)
    cpu, wall, good = own_cpu(), time.monotonic(), 0
    for source in sources:
        result = runner.run(RunRequest(source, "manual"))
        good += result.status in ("finished", "degraded")
    return (own_cpu() - cpu) / len(sources), (time.monotonic() - wall) / len(sources), good


def scaling(config_path: Path, url: str, sources, workers: int) -> tuple[float, float]:
    """(runs per minute, CPU seconds per run) with ``workers`` worker processes draining one queue of every source."""
    from scheduler.queue.enqueue import Enqueuer

    before = _ended_runs(url)
    enqueuer = Enqueuer(url)
    for source in sources:
        enqueuer.enqueue(source.name, "manual")
    enqueuer.close()
    env = {**os.environ, "NEWSARCHIVE_DATABASE_URL": ""}
    command = [sys.executable, "-m", "scheduler", "--config", str(config_path), "--log-level", "WARNING", "worker"]
    started = time.monotonic()
    procs = [
        subprocess.Popen([*command, "--name", f"bench-{i}", "--concurrency", "1"], env=env, stderr=subprocess.DEVNULL)
        for i in range(workers)
    ]
    try:
        while _ended_runs(url) - before < len(sources):
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        cpu = sum(_process_tree_cpu(proc.pid) for proc in procs)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(60)
    return len(sources) / elapsed * 60, cpu / len(sources)


def _process_tree_cpu(pid: int) -> float:
    root = psutil.Process(pid)
    return sum(tree_cpu(process.pid) for process in [root, *root.children(recursive=False)])


def _ended_runs(url: str) -> int:
    from crawler.storage.database import connect

    with connect(url) as conn:
        return conn.execute("SELECT count(*) FROM crawl_runs WHERE status <> 'running'").fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--baseline", type=int, default=40, help="sources run with a fresh process each (slow)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts for the scaling run ('' to skip it)")
    parser.add_argument("--quick", action="store_true", help="8 sources, 3 baseline runs, 1 and 2 workers")
    args = parser.parse_args()
    if args.quick:
        args.sources, args.baseline, args.workers = 8, 3, "1,2"
    from bench.harness import bench_database
    from crawler.config import load_config

    with tempfile.TemporaryDirectory() as tmp, bench_database() as url, publishers(args.sources) as servers:
        config_path = config_file(Path(tmp), url, servers)
        config = load_config(str(config_path))
        sources = [source for source in config.sources if source.enabled]
        first_cpu, _, first_good = one_pass(config, sources, forked=True)
        print(f"first pass: {len(sources)} sources, {first_good} ended well, {first_cpu:.3f} CPU s/run (extracting)")
        fork_cpu, fork_wall, fork_good = one_pass(config, sources, forked=True)
        print(f"incremental, forked: {fork_cpu:.3f} CPU s/run, {fork_wall:.3f} s/run wall, {fork_good} ended well")
        baseline = sources[: args.baseline]
        process_cpu, process_wall, process_good = one_pass(config, baseline, forked=False)
        print(
            f"incremental, process per run ({len(baseline)} sources): {process_cpu:.3f} CPU s/run, "
            f"{process_wall:.3f} s/run wall, {process_good} ended well"
        )
        print(f"source-runs per core-hour: forked {3600 / fork_cpu:.0f}, process per run {3600 / process_cpu:.0f}")
        pairs = {
            "fork_cpu_s": f"{fork_cpu:.3f}",
            "process_cpu_s": f"{process_cpu:.3f}",
            "cpu_ratio": f"{fork_cpu / process_cpu:.3f}",
            "runs_per_core_hour": f"{3600 / fork_cpu:.0f}",
        }
        for count in [int(n) for n in args.workers.split(",") if n.strip()]:
            per_minute, cpu = scaling(config_path, url, sources, count)
            print(f"{count} worker(s): {per_minute:.0f} runs/min, {cpu:.3f} CPU s/run (workers and their crawls)")
            pairs[f"workers{count}_runs_min"] = f"{per_minute:.0f}"
            pairs[f"workers{count}_cpu_s"] = f"{cpu:.3f}"
    print(" ".join(f"{key}={value}" for key, value in pairs.items()))
    return 0 if fork_good == len(sources) and process_good == len(baseline) else 1


if __name__ == "__main__":
    sys.exit(main())
