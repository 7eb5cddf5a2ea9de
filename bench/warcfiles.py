"""WARC files bench: what N unchanged runs leave in the archive, without merges and with them, and what merging costs.

Usage: ``python bench/warcfiles.py [--runs 20] [--synthetic 1000]``. A replica publisher is crawled once, then
``--runs`` times with nothing new, through ``newsarchive crawl`` (the service's own path): first with
``[archive] merge = false`` (every run leaves its file: before), then with the default merge settings (after).
Real runs are seconds each, so the fleet-sized figure comes from ``--synthetic`` runs: files of the measured
unchanged-run size written by the real WARC writer, indexed in the real captures table and merged by the real
``merge_archive`` after each, as a run does. Objects: a WARC and its CDXJ index (what ``s3://`` mode stores).
The last line: ``runs=… files_per_1000_before=… files_per_1000_after=… synthetic_runs=… synthetic_files_per_1000=…
objects_per_1000=… merge_cpu_s_per_mb=… rewrites_per_byte=…``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrapy.http import Headers

from bench.harness import bench_database, key_values
from crawler.config.schema import ArchiveConfig
from crawler.replay import find_warc_files
from crawler.run.merging import MergeReport, merge_archive
from crawler.storage.captures import CaptureStore
from crawler.storage.database import connect
from crawler.warc import records
from crawler.warc.writer import WarcFileWriter
from replica import ReplicaPublisher, ReplicaSite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="unchanged real runs per side")
    parser.add_argument("--synthetic", type=int, default=1000, help="unchanged runs of the merge-only scale part")
    parser.add_argument("--articles", type=int, default=20)
    args = parser.parse_args(argv)
    site = ReplicaSite(args.articles)
    with ReplicaPublisher(site) as publisher, tempfile.TemporaryDirectory() as tmp:
        before, run_size = _real_runs(Path(tmp) / "before", publisher.base_url, args.runs, merge=False)
        after, _ = _real_runs(Path(tmp) / "after", publisher.base_url, args.runs, merge=True)
        synthetic = _synthetic_runs(Path(tmp) / "synthetic", args.synthetic, run_size)
    files, objects, report, written = synthetic
    print(f"real unchanged runs: {args.runs}; mean WARC file of an unchanged run: {run_size} bytes")
    print(f"left without merging: {before} file(s); with merging: {after} file(s)")
    print(f"synthetic: {args.synthetic} runs -> {files} file(s), {objects} object(s); {report.bytes} bytes merged")
    print(
        key_values(
            {
                "runs": args.runs,
                "files_per_1000_before": round(1000 * before / args.runs, 1),
                "files_per_1000_after": round(1000 * after / args.runs, 1),
                "synthetic_runs": args.synthetic,
                "synthetic_files_per_1000": round(1000 * files / args.synthetic, 2),
                "objects_per_1000": round(1000 * objects / args.synthetic, 2),
                "merge_cpu_s_per_mb": round(report.cpu_seconds / max(report.bytes / 1e6, 1e-9), 4),
                "rewrites_per_byte": round(report.bytes / max(written, 1), 2),
            }
        )
    )
    return 0


def _real_runs(folder: Path, base_url: str, runs: int, *, merge: bool) -> tuple[int, int]:
    """WARC files the unchanged runs left (the first, full crawl's file not counted), and their mean size."""
    folder.mkdir(parents=True)
    with bench_database() as url:
        config = _config(folder, url, base_url, merge)
        _crawl(config)
        archive = folder / "data" / "archive"
        first = {path.name for path in find_warc_files([archive]).files}
        sizes = []
        for _ in range(runs):
            known = {path.name for path in find_warc_files([archive]).files}
            _crawl(config)
            sizes += [p.stat().st_size for p in find_warc_files([archive]).files if p.name not in known | first]
        left = [path for path in find_warc_files([archive]).files if path.name not in first]
    return len(left), int(sum(sizes) / max(len(sizes), 1))


def _config(folder: Path, url: str, base_url: str, merge: bool) -> Path:
    config = folder / "newsarchive.toml"
    config.write_text(
        f'[database]\nurl = "{url}"\n[storage]\ndata_dir = "{folder / "data"}"\n'
        f"[archive]\nmerge = {'true' if merge else 'false'}\n"
        f'[[sources]]\nname = "replica"\nspider = "khaama"\nfeeds = ["{base_url}/feed/"]\n'
        f'start_urls = ["{base_url}/"]\nallowed_domains = ["127.0.0.1"]\ndownload_delay = "0s"\n',
        encoding="utf-8",
    )
    return config


def _crawl(config: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("NEWSARCHIVE_DATABASE_URL", "DATABASE_URL")}
    command = [sys.executable, "-m", "scheduler", "--config", str(config), "--log-level", "WARNING", "crawl", "replica"]
    subprocess.run(command, check=True, env=env, capture_output=True)


def _synthetic_runs(folder: Path, runs: int, run_size: int) -> tuple[int, int, MergeReport, int]:
    """``runs`` files of about ``run_size`` bytes, each indexed and followed by a merge, as the service does."""
    archive = ArchiveConfig(dir=folder, merge_age=10**9)
    total = MergeReport()
    written = 0
    with bench_database() as url, connect(url, autocommit=True) as conn:
        store = CaptureStore(conn)
        for number in range(runs):
            written += _one_run(folder, store, number, run_size)
            report = merge_archive(archive, url)
            if report is not None:
                total = replace(
                    total,
                    bytes=total.bytes + report.bytes,
                    parts=total.parts + report.parts,
                    cpu_seconds=total.cpu_seconds + report.cpu_seconds,
                )
    files = find_warc_files([folder]).files
    return len(files), 2 * len(files), total, written


def _one_run(folder: Path, store: CaptureStore, number: int, run_size: int) -> int:
    """One unchanged run's file: groups of a feed, a sitemap and a home page revisited, up to ``run_size``."""
    writer = WarcFileWriter(folder, "synthetic", warcinfo={"software": "bench"}, source="synthetic")
    rows: list = []
    while sum(row.length for row in rows) < run_size:
        rows += writer.write_group(_group(f"http://example.test/{number}/{len(rows)}"), "feed")
    closed = writer.close()
    store.add_captures(rows)
    store.file_closed(closed.path.name, closed.path, closed.size, closed.records)
    return closed.size


def _group(url: str) -> list:
    date = records.warc_date(datetime.now(UTC))
    response_id = records.new_record_id()
    body = os.urandom(600)  # incompressible, like a gzip body kept content-encoded
    head = records.response_head("HTTP/1.1", 200, [(b"Content-Type", b"application/rss+xml")], len(body))
    request_head = records.request_head("GET", url, Headers({"User-Agent": "bench"}), b"")
    return [
        records.response_record(url, head, body, record_id=response_id, date=date, ip_address="127.0.0.1"),
        records.request_record(
            url, request_head, b"", record_id=records.new_record_id(), date=date, concurrent_to=response_id
        ),
        records.metadata_record(
            url,
            {"source": "synthetic", "page-kind": "feed"},
            record_id=records.new_record_id(),
            date=date,
            concurrent_to=response_id,
        ),
    ]


if __name__ == "__main__":
    sys.exit(main())
