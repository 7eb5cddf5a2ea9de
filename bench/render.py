"""Browser-capture benchmark: a rendered front page's cost, and how faithfully three ways record its traffic.

Usage: ``python bench/render.py [--rounds 3] [--no-fidelity]``. On the replica's script-built front page (with the
site's robots.txt, sitemaps and 12 articles behind it), each round runs the same crawl twice, alternated, each into
a fresh database and archive: ``plain`` (no render) and ``render`` (``render = ["front"]``). The crawl process is
``python -m crawler.run.child`` started here; its process tree is sampled every 0.1 s for CPU per process (the
crawl itself, Playwright's Node driver, Chromium's processes) and memory (the crawl's peak RSS, the browser's peak
PSS). Then ``bench/render_fidelity.py`` compares the crawl's capture with the protocol's network events and with
warcprox (when installed). The last line: ``wall_ratio=… cpu_ratio=…`` and more pairs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import render_fidelity as fidelity
from bench.harness import ADMIN_URL, bench_database, key_values
from crawler.config.load import parse_config
from crawler.run.spec import RunSpec
from replica import ReplicaPublisher, ReplicaSite, browser

SAMPLE = 0.1


@dataclass
class Cost:
    wall: float = 0.0
    crawl_cpu: float = 0.0
    driver_cpu: float = 0.0
    browser_cpu: float = 0.0
    crawl_rss_mb: float = 0.0
    browser_pss_mb: float = 0.0
    stats: dict = field(default_factory=dict)

    @property
    def cpu(self) -> float:
        return self.crawl_cpu + self.driver_cpu + self.browser_cpu


class TreeSampler(threading.Thread):
    """CPU seconds last seen per process of a tree, by role; peak memory of the root (RSS) and of Chromium (PSS)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.cpu: dict[int, tuple[str, float]] = {}
        self.crawl_rss = 0
        self.browser_pss = 0
        self.done = threading.Event()

    def run(self) -> None:
        ticks = 0
        while not self.done.is_set():
            with contextlib.suppress(psutil.Error):
                self._sample(pss=ticks % 5 == 0)
            ticks += 1
            self.done.wait(SAMPLE)

    def _sample(self, pss: bool) -> None:
        tree = [self.root, *self.root.children(recursive=True)]
        browser_pss = 0
        for process in tree:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                role = _role(process, self.root)
                self.cpu[process.pid] = (role, times.user + times.system)
                if role == "browser" and pss:
                    browser_pss += process.memory_full_info().pss
        self.crawl_rss = max(self.crawl_rss, self.root.memory_info().rss)
        self.browser_pss = max(self.browser_pss, browser_pss)

    def total(self, role: str) -> float:
        return sum(seconds for kind, seconds in self.cpu.values() if kind == role)


def _role(process: psutil.Process, root: psutil.Process) -> str:
    name = process.name()
    if "chrom" in name:
        return "browser"
    if name.startswith("node"):
        return "driver"
    return "crawl"  # the crawl itself, and its extraction workers if any


def run_crawl(base: str, render: bool, admin_url: str, folder: Path) -> Cost:
    source = {
        "name": "front",
        "spider": "news",
        "start_urls": [base + "/browser/"],
        "allowed_domains": ["127.0.0.1"],
        "download_delay": "0s",
        "render": ["front"] if render else [],
    }
    config = parse_config({"storage": {"data_dir": str(folder / "data")}, "sources": [source]})
    with bench_database(admin_url) as url:
        spec = RunSpec.for_source(
            config, config.source("front"), run_id=None, database_url=url, stats_path=str(folder / "stats.json")
        )
        spec_path = folder / "spec.json"
        spec.dump(spec_path)
        started = time.monotonic()
        child = subprocess.Popen([sys.executable, "-m", "crawler.run.child", str(spec_path)], stderr=subprocess.DEVNULL)
        sampler = TreeSampler(child.pid)
        sampler.start()
        child.wait()
        wall = time.monotonic() - started
        sampler.done.set()
        sampler.join()
    stats = json.loads((folder / "stats.json").read_text())
    return Cost(
        wall,
        sampler.total("crawl"),
        sampler.total("driver"),
        sampler.total("browser"),
        sampler.crawl_rss / 2**20,
        sampler.browser_pss / 2**20,
        stats,
    )


def median_cost(costs: list[Cost]) -> Cost:
    def mid(name: str) -> float:
        return statistics.median(getattr(cost, name) for cost in costs)

    names = ("wall", "crawl_cpu", "driver_cpu", "browser_cpu", "crawl_rss_mb", "browser_pss_mb")
    return Cost(*(mid(name) for name in names), costs[-1].stats)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-fidelity", action="store_true", help="measure the cost only")
    args = parser.parse_args(argv)
    results: dict[str, object] = {}
    with (
        tempfile.TemporaryDirectory(prefix="newsarchive-render-bench-") as tmp,
        ReplicaPublisher(ReplicaSite(), mounts=[browser.MOUNT]) as publisher,
    ):
        work = Path(tmp)
        costs: dict[str, list[Cost]] = {"plain": [], "render": []}
        for round_number in range(args.rounds):
            for variant in ("plain", "render"):
                folder = work / f"{variant}-{round_number}"
                folder.mkdir()
                costs[variant].append(run_crawl(publisher.base_url, variant == "render", ADMIN_URL, folder))
        plain, rendered = median_cost(costs["plain"]), median_cost(costs["render"])
        results.update(_report_cost(plain, rendered, args.rounds))
        if not args.no_fidelity:
            results.update(_fidelity(publisher, work))
    print(key_values(results))
    return 0


def _report_cost(plain: Cost, rendered: Cost, rounds: int) -> dict[str, object]:
    print(f"median of {rounds} rounds; CPU seconds by process, sampled every {SAMPLE} s")
    for name, cost in (("plain", plain), ("render", rendered)):
        print(
            f"{name:>7}: wall {cost.wall:.2f} s, CPU {cost.cpu:.2f} s (crawl {cost.crawl_cpu:.2f}, Playwright driver "
            f"{cost.driver_cpu:.2f}, Chromium {cost.browser_cpu:.2f}), crawl peak RSS {cost.crawl_rss_mb:.0f} MB, "
            f"Chromium peak PSS {cost.browser_pss_mb:.0f} MB"
        )
    shot = rendered.stats.get("newsarchive/render/screenshot_bytes", 0)
    requests = rendered.stats.get("newsarchive/render/requests", 0)
    print(f"render: {requests} browser requests through the downloader, screenshot {shot / 1024:.0f} KiB")
    return {
        "wall_ratio": rendered.wall / plain.wall,
        "cpu_ratio": rendered.cpu / plain.cpu,
        "plain_wall_s": plain.wall,
        "render_wall_s": rendered.wall,
        "plain_cpu_s": plain.cpu,
        "render_crawl_cpu_s": rendered.crawl_cpu,
        "render_driver_cpu_s": rendered.driver_cpu,
        "render_browser_cpu_s": rendered.browser_cpu,
        "plain_rss_mb": plain.crawl_rss_mb,
        "render_rss_mb": rendered.crawl_rss_mb,
        "browser_pss_mb": rendered.browser_pss_mb,
        "screenshot_kib": round(shot / 1024),
    }


def _fidelity(publisher: ReplicaPublisher, work: Path) -> dict[str, object]:
    page = publisher.base_url + "/browser/"
    measured = []
    # Ours: what the origin served for /browser/ during a render crawl, from a fresh crawl's log.
    publisher.clear_requests()
    folder = work / "downloader"
    folder.mkdir()
    cost = run_crawl(publisher.base_url, True, ADMIN_URL, folder)
    served = fidelity.served_urls(publisher)
    files = sorted((folder / "data" / "archive").rglob("*.warc.gz"))
    seconds = cost.stats.get("newsarchive/render/seconds", 0.0)
    measured.append(("downloader", files, served, seconds))
    publisher.clear_requests()
    seconds = fidelity.capture_with_events(page, work / "events")
    measured.append(("events", sorted((work / "events").rglob("*.warc.gz")), fidelity.served_urls(publisher), seconds))
    command = fidelity.warcprox_command()
    if command:
        publisher.clear_requests()
        seconds = fidelity.capture_with_warcprox(page, work / "warcprox", command)
        files = sorted((work / "warcprox").rglob("*.warc.gz"))
        measured.append(("warcprox", files, fidelity.served_urls(publisher), seconds))
    else:
        print("warcprox: not installed here (pip install warcprox, or NEWSARCHIVE_WARCPROX=PATH): not measured")
    results: dict[str, object] = {}
    for approach, files, served_now, seconds in measured:
        replayed = fidelity.replay(files, work / f"pywb-{approach}", page, publisher)
        result = fidelity.judge(approach, files, served_now, seconds, replayed)
        print(result.line())
        results[f"{approach}_recorded"] = f"{result.recorded}/{result.served}"
        results[f"{approach}_wire_exact"] = result.wire_exact
        results[f"{approach}_misses"] = result.replay_misses
    return results


if __name__ == "__main__":
    sys.exit(main())
