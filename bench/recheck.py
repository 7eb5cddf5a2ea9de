"""Re-check bench: an unchanged re-check pass with stored validators (304s) vs the same pass without them (200s).

Usage: ``python bench/recheck.py [--articles 200]``. A replica site is crawled once; then every article is made
due and the source crawled again twice in this process: once sending the ETag/Last-Modified kept from the first
crawl, once with them cleared (what a re-check costs without validators). Bytes downloaded, article pages
extracted and CPU of the crawl processes are compared. The last line:
``recheck_articles=… not_modified=… bytes_validated=… bytes_plain=… bytes_ratio=… cpu_ratio=…``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.harness import bench_database, key_values
from replica import ReplicaPublisher, ReplicaSite

DUE_NOW = "UPDATE article_records SET next_check_at = now() - interval '1 second', recheck_step = 0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args(argv)
    site = ReplicaSite(args.articles)
    with bench_database() as url, ReplicaPublisher(site) as publisher, tempfile.TemporaryDirectory() as tmp:
        config = _config(Path(tmp), url, publisher.base_url, args.articles)
        _crawl(config)
        validated, validated_cpu = _pass(config, url, clear_validators=False)
        plain, plain_cpu = _pass(config, url, clear_validators=True)
    print(f"validated pass: {_summary(validated)}; cpu {validated_cpu:.2f}s")
    print(f"plain pass:     {_summary(plain)}; cpu {plain_cpu:.2f}s")
    print(
        key_values(
            {
                "recheck_articles": validated.get("newsarchive/spider/rechecks_requested", 0),
                "not_modified": validated.get("newsarchive/spider/not_modified/article", 0),
                "extracted_validated": _extracted(validated),
                "extracted_plain": _extracted(plain),
                "bytes_validated": validated.get("downloader/response_bytes", 0),
                "bytes_plain": plain.get("downloader/response_bytes", 0),
                "bytes_ratio": round(
                    validated.get("downloader/response_bytes", 0) / plain["downloader/response_bytes"], 3
                ),
                "cpu_ratio": round(validated_cpu / plain_cpu, 3),
            }
        )
    )
    return 0


def _config(folder: Path, url: str, base_url: str, articles: int) -> Path:
    config = folder / "newsarchive.toml"
    config.write_text(
        f'[database]\nurl = "{url}"\n[storage]\ndata_dir = "{folder / "data"}"\n'
        f'[[sources]]\nname = "replica"\nspider = "khaama"\nfeeds = ["{base_url}/feed/"]\n'
        f'allowed_domains = ["127.0.0.1"]\ndownload_delay = "0s"\nmax_articles = {articles + 10}\n'
        'recheck = ["1s", "30d"]\n',
        encoding="utf-8",
    )
    return config


def _pass(config: Path, url: str, *, clear_validators: bool) -> tuple[dict[str, Any], float]:
    """Every article due now; one crawl; its stats and the CPU seconds of the crawl's processes."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(DUE_NOW + (", etag = NULL, last_modified = NULL" if clear_validators else ""))
    before = _children_cpu()
    _crawl(config)
    cpu = _children_cpu() - before
    with psycopg.connect(url) as conn:
        (stats,) = conn.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    return stats, cpu


def _crawl(config: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("NEWSARCHIVE_DATABASE_URL", "DATABASE_URL")}
    command = [sys.executable, "-m", "scheduler", "--config", str(config), "--log-level", "WARNING", "crawl", "replica"]
    subprocess.run(command, check=True, env=env, capture_output=True)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _extracted(stats: dict[str, Any]) -> int:
    return int(stats.get("newsarchive/articles/unchanged", 0)) + int(stats.get("newsarchive/articles/updated", 0))


def _summary(stats: dict[str, Any]) -> str:
    return (
        f"{stats.get('downloader/response_count', 0)} responses, {stats.get('downloader/response_bytes', 0)} bytes,"
        f" {stats.get('newsarchive/spider/not_modified/article', 0)} answered 304, {_extracted(stats)} extracted"
    )


if __name__ == "__main__":
    sys.exit(main())
