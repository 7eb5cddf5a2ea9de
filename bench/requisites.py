"""What page requisites cost and buy, on the replica (a site and its media host): replay misses, bytes, requests, CPU.

(a) Replay misses: an article crawled without requisites, then with, replayed by pywb in headless Chromium
    (``crawler.replay.misses``); goal 0 with them.
(b) Steady state: after a first run, rounds that each add new articles to the site, crawled by two sources side by
    side (own database and archive each), requisites off and on. Per new article: WARC bytes + database bytes
    stored, requests made, CPU seconds of the crawl process and its workers. Goals: at most 1.2 times the bytes and 1.3
    times the requests, CPU within 1.2 times, once the site's shared requisites are archived.

    python -m bench.requisites [--rounds 3] [--new 3] [--screenshot docs/replayed-article.png]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.harness import ADMIN_URL, bench_database, key_values
from bench.server import free_port
from crawler.config.load import parse_config
from crawler.replay.browse import prepare
from crawler.replay.misses import check_replay
from crawler.run.spec import RunSpec
from crawler.storage.database import connect
from replica import ReplicaPublisher, ReplicaSite
from scheduler.commands.serve import _start_pywb

MEDIA_HOST = "127.0.0.2"
NEW_TITLES = "Provincial council {n} reopens schools after the winter break in Herat"


@dataclass
class Variant:
    name: str
    requisites: bool
    folder: Path
    database_url: str


@dataclass
class RunCost:
    warc_bytes: int
    db_bytes: int
    requests: int
    cpu_s: float
    new_articles: int


def source(replica: ReplicaPublisher, requisites: bool) -> dict[str, object]:
    return {
        "name": "replica",
        "spider": "khaama",
        "start_urls": [replica.base_url + "/"],
        "feeds": [replica.base_url + "/feed/"],
        "allowed_domains": ["127.0.0.1"],
        "requisites_hosts": [MEDIA_HOST],
        "requisites": requisites,
        "download_delay": "0s",
    }


def crawl(variant: Variant, replica: ReplicaPublisher) -> RunCost:
    """One run as ``newsarchive crawl`` runs it (the crawl child process), its CPU from the child's rusage."""
    config = parse_config(
        {"storage": {"data_dir": str(variant.folder / "data")}, "sources": [source(replica, variant.requisites)]}
    )
    stats_path = variant.folder / "stats.json"
    spec = RunSpec.for_source(
        config, config.source("replica"), run_id=None, database_url=variant.database_url, stats_path=str(stats_path)
    )
    spec_path = variant.folder / "spec.json"
    spec.dump(spec_path)
    db_before = database_bytes(variant.database_url)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "crawler.run.child", str(spec_path)], stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = json.loads(stats_path.read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return RunCost(
        warc_bytes=int(stats.get("newsarchive/warc/bytes", 0)),
        db_bytes=database_bytes(variant.database_url) - db_before,
        requests=int(stats.get("downloader/request_count", 0)),
        cpu_s=cpu,
        new_articles=int(stats.get("newsarchive/articles/new", 0)),
    )


def database_bytes(url: str) -> int:
    """Bytes of our tables (heap, TOAST, indexes), after a checkpoint-free VACUUM so deleted tuples do not count."""
    with connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')"
        ).fetchone()
        return int(row[0])


def replay_misses(variant: Variant, article_url: str, screenshot: Path | None) -> list[str]:
    """The archive misses of ``article_url`` replayed from ``variant``'s archive by pywb in headless Chromium."""
    work = variant.folder / "pywb"
    prepare((variant.folder / "data" / "archive").resolve(), work.resolve())
    port = free_port(0)
    process = _start_pywb("127.0.0.1", port, work.resolve(), stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base + "/")
        check = check_replay(f"{base}/archive/29991231000000/{article_url}", base, screenshot=screenshot)
    finally:
        process.terminate()
        process.wait(20)
    return sorted(set(check.misses + check.leaks))


def _wait(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"pywb did not answer at {url}")


def per_article(costs: list[RunCost]) -> dict[str, float]:
    new = sum(cost.new_articles for cost in costs) or 1
    return {
        "bytes": sum(cost.warc_bytes + cost.db_bytes for cost in costs) / new,
        "warc_bytes": sum(cost.warc_bytes for cost in costs) / new,
        "db_bytes": sum(cost.db_bytes for cost in costs) / new,
        "requests": sum(cost.requests for cost in costs) / new,
        "cpu_s": sum(cost.cpu_s for cost in costs) / new,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="steady-state rounds after the first run")
    parser.add_argument("--new", type=int, default=3, help="new articles per round")
    parser.add_argument("--articles", type=int, default=12, help="articles on the site at the first run")
    parser.add_argument("--screenshot", type=Path, help="write the replayed article (requisites on) here")
    args = parser.parse_args(argv)
    site = ReplicaSite(n_articles=args.articles)
    with (
        tempfile.TemporaryDirectory(prefix="newsarchive-requisites-bench-") as tmp,
        ReplicaPublisher(site, media_host=MEDIA_HOST) as replica,
        bench_database(ADMIN_URL) as off_url,
        bench_database(ADMIN_URL) as on_url,
    ):
        variants = [
            Variant("off", False, Path(tmp) / "off", off_url),
            Variant("on", True, Path(tmp) / "on", on_url),
        ]
        for variant in variants:
            variant.folder.mkdir()
        first = {variant.name: crawl(variant, replica) for variant in variants}
        article = replica.base_url + site.article_path(site.articles[0])
        misses = {
            variant.name: replay_misses(variant, article, args.screenshot if variant.requisites else None)
            for variant in variants
        }
        steady: dict[str, list[RunCost]] = {variant.name: [] for variant in variants}
        for round_number in range(args.rounds):
            for count in range(args.new):
                site.add_article(NEW_TITLES.format(n=round_number * args.new + count + 1))
            for variant in variants:
                steady[variant.name].append(crawl(variant, replica))
    report(first, misses, steady)
    return 0


def report(first: dict[str, RunCost], misses: dict[str, list[str]], steady: dict[str, list[RunCost]]) -> None:
    off, on = per_article(steady["off"]), per_article(steady["on"])
    print(f"(a) replay misses in headless Chromium: requisites off {len(misses['off'])}, on {len(misses['on'])}")
    for url in misses["on"]:
        print(f"    miss with requisites: {url}")
    print(
        f"    first run: requests {first['off'].requests} -> {first['on'].requests}, "
        f"WARC bytes {first['off'].warc_bytes} -> {first['on'].warc_bytes}"
    )
    print(f"(b) steady state, per new article ({sum(c.new_articles for c in steady['on'])} new articles):")
    for name, unit in (("bytes", "B"), ("warc_bytes", "B"), ("db_bytes", "B"), ("requests", ""), ("cpu_s", "s")):
        ratio = on[name] / off[name] if off[name] else float("nan")
        print(f"    {name:>10}: off {off[name]:.3f}{unit}, on {on[name]:.3f}{unit}  ({ratio:.2f}x)")
    print(
        key_values(
            {
                "misses_off": len(misses["off"]),
                "misses_on": len(misses["on"]),
                "bytes_ratio": round(on["bytes"] / off["bytes"], 3),
                "requests_ratio": round(on["requests"] / off["requests"], 3),
                "cpu_ratio": round(on["cpu_s"] / off["cpu_s"], 3),
            }
        )
    )


if __name__ == "__main__":
    raise SystemExit(main())
