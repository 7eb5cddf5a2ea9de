"""Crawl benchmark: bare Scrapy vs ``newsarchive crawl`` (WARC + extraction + PostgreSQL) on one synthetic site.

Usage: ``python bench/crawl.py [--pages 5000] [--runs 3] [--quick]``. The variants run alternated, round after
round, each full run into a fresh database and archive: ``bare`` (Scrapy, same settings and discovery, no-op
article callback), ``full`` (fast extraction mode, worker processes), ``warc-only`` (extraction disabled).
Once after the rounds: ``full-default`` (the default, more accurate mode), ``full`` with extraction in-process,
WARC gzip levels 9 and 1 (warc-only), and a second crawl of the unchanged site. Pages/s are Scrapy's responses
over its ``elapsed_time_seconds`` (engine start to spider closed: the database flush and the WARC close are in).
The last line: ``crawl_ratio=… crawl_pages_s=… bare_pages_s=… peak_rss_mb=…`` and more pairs.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    Monitor,
    ServedSite,
    Usage,
    article_pages,
    bench_database,
    key_values,
    load_note,
    median,
    served_site,
)
from bench.server import exit_on_sigterm
from crawler import statkeys
from crawler.config.load import parse_config
from crawler.errors import NotAnArticle
from crawler.extract import extract_article
from crawler.run.spec import RunSpec
from crawler.workers import default_workers
from scheduler.jobs import RunRequest, RunResult, SourceRunner

REPO = Path(__file__).resolve().parent.parent
QUICK_PAGES = 1000
VARIANTS: dict[str, dict[str, Any] | None] = {
    "bare": None,
    "full": {"NEWSARCHIVE_EXTRACT_MODE": "fast"},
    "warc-only": {"NEWSARCHIVE_EXTRACT_ENABLED": False},
}
ONCE: dict[str, dict[str, Any]] = {
    "full-default": {"NEWSARCHIVE_EXTRACT_MODE": "default"},
    "full-inprocess": {"NEWSARCHIVE_EXTRACT_MODE": "fast", "NEWSARCHIVE_EXTRACT_WORKERS": 0},
    "warc-only-gzip9": {"NEWSARCHIVE_EXTRACT_ENABLED": False, "NEWSARCHIVE_WARC_GZIP_LEVEL": 9},
    "warc-only-gzip1": {"NEWSARCHIVE_EXTRACT_ENABLED": False, "NEWSARCHIVE_WARC_GZIP_LEVEL": 1},
}


@dataclass
class Run:
    name: str
    responses: int
    items: int
    """Items less front pages: articles."""
    elapsed: float
    """Scrapy's elapsed_time_seconds."""
    wall: float
    """The whole run as a caller sees it (process start, database setup, workers' start included)."""
    usage: Usage
    status: str
    warc_bytes: int = 0

    @property
    def pages_s(self) -> float:
        return self.responses / self.elapsed if self.elapsed else 0.0

    @property
    def crawl_ms(self) -> float:
        """CPU of the crawl process per response (it cannot use more than one core)."""
        return self.usage.crawl_cpu_s * 1000 / max(1, self.responses)

    @property
    def workers_ms(self) -> float:
        return self.usage.workers_cpu_s * 1000 / max(1, self.responses)

    @property
    def idle_pages_s(self) -> float:
        """Pages/s this run's CPU costs allow on the machine's cores with nobody else on them: one core at most for
        the crawl process, all of them for crawl and workers together."""
        cores = os.cpu_count() or 1
        total = self.crawl_ms + self.workers_ms
        return min(1000 / self.crawl_ms, cores * 1000 / total) if self.crawl_ms else 0.0

    def line(self) -> str:
        u = self.usage
        return (
            f"{self.name:<16} {self.pages_s:7.1f} pages/s  {self.responses:6d} responses {self.items:6d} items  "
            f"{self.elapsed:6.1f} s (wall {self.wall:5.1f})  peak RSS {u.peak_rss_mb:5.0f} MB "
            f"(+workers {u.peak_workers_rss_mb:4.0f})  CPU ours {u.ours:4.2f} cores (postgres {u.postgres_ours:4.2f}), "
            f"foreign {u.foreign:4.2f}  WARC {self.warc_bytes / 1e6:6.1f} MB  {self.status}\n"
            f"{'':<16} CPU per page: crawl process {self.crawl_ms:5.2f} ms, workers {self.workers_ms:5.2f} ms "
            f"-> {self.idle_pages_s:6.1f} pages/s on {os.cpu_count()} idle cores; "
            f"RSS from a quarter of the run to its end {u.rss_growth_mb:+.0f} MB"
        )


def bench_config(database_url: str, data_dir: Path, base_url: str) -> Any:
    """A configuration with one source, the served site, crawled as fast as it answers (loopback, no delay)."""
    raw = {
        "database": {"url": database_url},
        "storage": {"data_dir": str(data_dir)},
        "crawl": {"download_delay": "0s", "autothrottle": False, "concurrent_requests_per_domain": 16},
        "sources": [
            {
                "name": "bench",
                "spider": "news",
                "start_urls": [f"{base_url}/"],
                "feeds": [f"{base_url}/feed/"],
                "allowed_domains": ["127.0.0.1"],
                "download_delay": "0s",
            }
        ],
    }
    return parse_config(raw)


def _source(config: Any) -> Any:
    return next(source for source in config.sources if source.name == "bench")


def run_source_named(config: Any, settings: dict[str, Any]) -> RunResult:
    """What ``newsarchive crawl bench`` runs, with extra Scrapy settings."""
    return SourceRunner(config, log_level="WARNING").run(RunRequest(_source(config), "manual", settings=settings))


def run_bare(served: ServedSite, name: str = "bare") -> Run:
    """``bench.bare`` in a subprocess, with the spec a crawl of the same source would get."""
    with tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as tmp:
        config = bench_config("", Path(tmp), served.base_url)
        spec = RunSpec.for_source(config, _source(config), run_id=None, database_url="", log_level="WARNING")
        spec_path, stats_path = Path(tmp) / "spec.json", Path(tmp) / "stats.json"
        spec.dump(spec_path)
        with Monitor(crawl_marker="bench.bare", extra_pids=served.server.pids) as monitor:
            started = time.monotonic()
            subprocess.run([sys.executable, "-m", "bench.bare", str(spec_path), str(stats_path)], cwd=REPO, check=True)
            wall = time.monotonic() - started
        import json

        stats = json.loads(stats_path.read_text(encoding="utf-8"))
    return _run(name, stats, wall, monitor.usage, stats.get("finish_reason", "?"))


def run_full(served: ServedSite, name: str, settings: dict[str, Any], *, second: bool = False) -> list[Run]:
    """``newsarchive crawl`` (``scheduler.jobs.SourceRunner``: lock, run row, crawl subprocess) into a fresh database;
    with ``second``, the unchanged site crawled once more into the same database and archive."""
    runs = []
    with bench_database() as url, tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as tmp:
        config = bench_config(url, Path(tmp), served.base_url)
        for attempt in range(2 if second else 1):
            database = url.rsplit("/", 1)[-1]
            with Monitor(crawl_marker="crawler.run.child", database=database, extra_pids=served.server.pids) as m:
                started = time.monotonic()
                result = run_source_named(config, settings)
                wall = time.monotonic() - started
            label = name if attempt == 0 else f"{name}-again"
            runs.append(_run(label, result.stats or {}, wall, m.usage, result.status))
    return runs


def _run(name: str, stats: dict[str, Any], wall: float, usage: Usage, status: str) -> Run:
    return Run(
        name=name,
        responses=int(stats.get("downloader/response_count", 0)),
        items=int(stats.get("item_scraped_count", 0)) - int(stats.get(statkeys.FRONT_PAGES, 0)),
        elapsed=float(stats.get("elapsed_time_seconds", 0.0)),
        wall=wall,
        usage=usage,
        status=status,
        warc_bytes=int(stats.get("newsarchive/warc/bytes", 0)),
    )


def extraction_cost(folder: Path, sample: int) -> dict[str, float]:
    """CPU milliseconds per article page of each mode, in this process, over ``sample`` generated pages."""
    pages = article_pages(folder)[:sample]
    costs = {}
    for mode in ("fast", "default"):
        _extract(pages[0], mode)  # the first call loads models and caches
        started = time.process_time()
        for page in pages:
            _extract(page, mode)
        costs[mode] = (time.process_time() - started) * 1000 / max(1, len(pages))
    return costs


def _extract(page: Path, mode: str) -> None:
    url = f"http://127.0.0.1/{page.parent.name}/"
    with contextlib.suppress(NotAnArticle):
        extract_article(page.read_bytes(), url, {"Content-Type": "text/html; charset=UTF-8"}, mode=mode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, help=f"articles on the site (default 5000; --quick: {QUICK_PAGES})")
    parser.add_argument("--runs", type=int, help="rounds of the alternated variants (default 3; --quick: 1)")
    parser.add_argument("--quick", action="store_true", help="routine check: fewer pages, one round, no extras")
    parser.add_argument("--python-server", action="store_true", help="serve with Python even if nginx is there")
    parser.add_argument("--variants", help=f"comma-separated subset of {','.join(VARIANTS)} (bare and full always run)")
    parser.add_argument("--no-extras", action="store_true", help="skip the once-only runs (in-process, gzip, second)")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    logging.basicConfig(level=logging.WARNING)
    pages = args.pages or (QUICK_PAGES if args.quick else 5000)
    rounds = args.runs or (1 if args.quick else 3)
    chosen = set(args.variants.split(",")) if args.variants else set(VARIANTS)
    variants = {k: v for k, v in VARIANTS.items() if k in chosen | {"bare", "full"}}
    with served_site(pages, python_server=args.python_server) as served:
        files = served.files
        print(f"site: {files.articles} articles, mean page {files.mean_page_kb:.1f} KB at {served.base_url}")
        print(f"extraction workers: {default_workers()} (default for {_cores()} cores)")
        costs = extraction_cost(Path(files.folder), 10 if args.quick else 50)
        print("extraction CPU per page, in-process: " + ", ".join(f"{m} {ms:.1f} ms" for m, ms in costs.items()))
        runs: dict[str, list[Run]] = {name: [] for name in variants}
        for number in range(1, rounds + 1):
            print(f"-- round {number}/{rounds}")
            for name, settings in variants.items():
                done = [run_bare(served)] if settings is None else run_full(served, name, settings)
                runs[name] += done
                _print(done)
        extra: dict[str, list[Run]] = {}
        if not (args.quick or args.no_extras):
            print("-- once")
            for name, settings in ONCE.items():
                extra[name] = run_full(served, name, settings)
                _print(extra[name])
            first, again = run_full(served, "full", VARIANTS["full"] or {}, second=True)
            extra["second"] = [first, again]
            _print(extra["second"])
        summary = summarize(runs, extra, costs)
        print(load_note(served, max(run.pages_s for group in runs.values() for run in group)))
    for line in summary:
        print(line)
    return 0


def summarize(runs: dict[str, list[Run]], extra: dict[str, list[Run]], costs: dict[str, float]) -> list[str]:
    bare = median(run.pages_s for run in runs["bare"])
    rate = {name: median(run.pages_s for run in group) for name, group in runs.items()}
    ratio = {name: value / bare if bare else 0.0 for name, value in rate.items()}
    idle = {name: median(run.idle_pages_s for run in group) for name, group in runs.items()}
    lines = [f"-- medians of {len(runs['bare'])} run(s), ratio to bare Scrapy ({bare:.1f} pages/s)"]
    lines += [f"{name:<16} {rate[name]:7.1f} pages/s  ratio {ratio[name]:.3f}" for name in runs if name != "bare"]
    lines.append("-- from CPU per page (what the same work gives on idle cores; the machine is shared)")
    lines += [
        f"{name:<16} {idle[name]:7.1f} pages/s  ratio {idle[name] / idle['bare'] if idle['bare'] else 0:.3f}"
        for name in runs
    ]
    keys: dict[str, object] = {
        "crawl_ratio": ratio["full"],
        "crawl_pages_s": rate["full"],
        "bare_pages_s": bare,
        "peak_rss_mb": max(run.usage.peak_rss_mb for run in runs["full"]),
        "rss_growth_mb": max(run.usage.rss_growth_mb for run in runs["full"]),
    }
    if "warc-only" in ratio:
        keys["warc_ratio"] = ratio["warc-only"]
    for name, group in extra.items():
        if name == "second":
            first, again = group
            share = again.warc_bytes / first.warc_bytes if first.warc_bytes else 0.0
            lines.append(f"second crawl, site unchanged: {again.warc_bytes:,} WARC bytes, {share:.2%} of the first")
            keys["second_crawl_warc_pct"] = share * 100
        else:
            value = group[0].pages_s / bare if bare else 0.0
            run = group[0]
            lines.append(f"{name:<16} {run.pages_s:7.1f} pages/s  ratio {value:.3f}  WARC {run.warc_bytes:,} B")
            keys[f"{name.replace('-', '_')}_ratio"] = value
    for name in runs:
        if name != "bare" and idle["bare"]:
            keys[f"{name.replace('-', '_')}_cpu_ratio"] = idle[name] / idle["bare"]
    keys["workers"] = default_workers()
    keys["fast_ms"] = costs["fast"]
    keys["default_ms"] = costs["default"]
    keys["foreign_cpu"] = max(run.usage.foreign for group in runs.values() for run in group)
    return [*lines, key_values(keys)]


def _print(runs: list[Run]) -> None:
    for run in runs:
        print(run.line(), flush=True)


def _cores() -> int:
    return os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
