"""Replay benchmark: ``newsarchive replay`` of a crawl's WARCs vs a bare loop of the same extraction, same processes.

Usage: ``python bench/replay.py [--pages 5000] [--runs 3] [--processes 2] [--mode fast] [--quick]``.
The WARCs come from a WARC-only crawl of the synthetic site (cached per size). ``replay`` runs as the CLI into an
empty database each time; the bare loop reads the same files with warcio and hands every archived article response
to ``crawler.replay.extraction.extract_task`` in a pool of as many processes (nothing stored). Both are timed from
outside, process start to exit, alternated. The last line: ``replay_ratio=… replay_records_s=… processes=…``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent
QUICK_PAGES = 1000
LAST_REPLAY = "SELECT stats FROM crawl_runs WHERE trigger = 'replay' ORDER BY id DESC LIMIT 1"


def archive_for(pages: int) -> Path:
    """WARC files of a WARC-only crawl of the ``pages``-article site, made once and kept in the bench cache."""
    from bench.crawl import bench_config, run_source_named
    from bench.harness import CACHE, bench_database, served_site

    folder = CACHE / f"warcs-{pages}"
    if (folder / "done").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    with served_site(pages) as served, bench_database() as url, tempfile.TemporaryDirectory() as tmp:
        config = bench_config(url, Path(tmp), served.base_url)
        result = run_source_named(config, {"NEWSARCHIVE_EXTRACT_ENABLED": False})
        if result.status not in ("finished", "degraded"):
            raise RuntimeError(f"the crawl making the WARCs ended {result.status}: {result.error}")
        shutil.copytree(config.archive.dir, folder, ignore=shutil.ignore_patterns("*.cdxj"))
    (folder / "done").write_text("ok", encoding="utf-8")
    return folder


def run_replay(archive: Path | str, processes: int, mode: str) -> tuple[float, dict]:
    """``newsarchive replay`` into a fresh empty database: wall seconds and the replay's stats."""
    from bench.harness import bench_database
    from crawler.storage.database import connect

    with bench_database() as url, tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as tmp:
        config = Path(tmp) / "newsarchive.toml"
        config.write_text(f'[database]\nurl = "{url}"\n[storage]\ndata_dir = "{tmp}"\n', encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("NEWSARCHIVE_DATABASE_URL", "DATABASE_URL")}
        command = [sys.executable, "-m", "scheduler", "--config", str(config), "--log-level", "WARNING"]
        command += ["replay", str(archive), "--processes", str(processes), "--mode", mode]
        started = time.monotonic()
        subprocess.run(command, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
        wall = time.monotonic() - started
        with connect(url) as conn:
            row = conn.execute(LAST_REPLAY).fetchone()
    return wall, row[0] if row else {}


def run_bare(archive: Path, processes: int, mode: str) -> tuple[float, dict]:
    """The bare loop in its own process, timed the same way."""
    command = [sys.executable, "-m", "bench.replay", "--bare-loop", str(archive)]
    command += ["--processes", str(processes), "--mode", mode]
    started = time.monotonic()
    done = subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True)
    return time.monotonic() - started, json.loads(done.stdout.strip().splitlines()[-1])


def bare_loop(archive: Path, processes: int, mode: str) -> dict[str, int]:
    """Every archived 2xx article response through ``extract_task`` in ``processes`` spawned workers."""
    from crawler.replay.extraction import extract_task, warm_up

    counts = {"records": 0, "articles": 0, "items": 0, "not_article": 0, "errors": 0}
    window: deque[Future] = deque()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context, initializer=warm_up) as pool:
        for task in _article_tasks(archive, mode, counts):
            window.append(pool.submit(extract_task, task))
            while len(window) >= 4 * processes:  # the replay's own bound on work in flight
                _take(window.popleft(), counts)
        while window:
            _take(window.popleft(), counts)
    return counts


def _take(future: Future, counts: dict[str, int]) -> None:
    outcome = future.result()
    key = "items" if outcome.item is not None else "not_article" if outcome.not_article is not None else "errors"
    counts[key] += 1


def _article_tasks(archive: Path, mode: str, counts: dict[str, int]):
    """Article responses paired with their metadata record (page-kind: article), read with warcio."""
    from warcio.archiveiterator import ArchiveIterator

    from crawler.replay.extraction import ExtractionTask
    from crawler.warc import records
    from crawler.warc.reader import RecordLocation

    for path in sorted(archive.rglob("*.warc.gz")):
        responses: dict[str, ExtractionTask] = {}
        with path.open("rb") as stream:
            iterator = ArchiveIterator(stream)
            for record in iterator:
                counts["records"] += 1
                headers = record.rec_headers
                if record.rec_type == "response":
                    status = int(record.http_headers.get_statuscode())
                    if 200 <= status < 300:
                        responses[headers.get_header("WARC-Record-ID")] = ExtractionTask(
                            url=headers.get_header("WARC-Target-URI"),
                            status=status,
                            headers=_header_pairs(record),
                            payload=record.raw_stream.read(),  # as stored: still content-encoded
                            source="bench",
                            record_id=headers.get_header("WARC-Record-ID"),
                            seen_at=records.parse_warc_date(headers.get_header("WARC-Date")),
                            mode=mode,
                            where=RecordLocation(path, iterator.get_record_offset()),  # after the payload
                        )
                elif record.rec_type == "metadata":
                    task = responses.pop(headers.get_header("WARC-Concurrent-To") or "", None)
                    if task is not None and b"page-kind: article" in record.content_stream().read():
                        counts["articles"] += 1
                        yield task


def _header_pairs(record: object) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in record.http_headers.headers]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, help=f"articles on the site (default 5000; --quick: {QUICK_PAGES})")
    parser.add_argument("--runs", type=int, help="alternated runs of each side (default 3; --quick: 1)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--mode", choices=["fast", "default"], default="fast")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--bare-loop", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from bench.server import exit_on_sigterm

    exit_on_sigterm()
    if args.bare_loop:
        print(json.dumps(bare_loop(args.bare_loop, args.processes, args.mode)))
        return 0
    from bench.harness import key_values, median

    pages = args.pages or (QUICK_PAGES if args.quick else 5000)
    runs = args.runs or (1 if args.quick else 3)
    archive = archive_for(pages)
    size = sum(path.stat().st_size for path in archive.rglob("*.warc.gz"))
    print(f"archive: {archive} ({size / 1e6:.1f} MB), mode {args.mode}, {args.processes} processes")
    replay_rates, bare_rates = [], []
    for number in range(1, runs + 1):
        wall, counts = run_bare(archive, args.processes, args.mode)
        bare_rates.append(counts["articles"] / wall)
        print(f"bare loop {number}: {counts['articles']} article records in {wall:.1f} s = {bare_rates[-1]:.1f}/s "
              f"({counts['records']} records read, {counts['items']} articles)")  # fmt: skip
        wall, stats = run_replay(archive, args.processes, args.mode)
        replay_rates.append(stats.get("article_responses", 0) / wall)
        print(f"replay    {number}: {stats.get('article_responses', 0)} article records in {wall:.1f} s = "
              f"{replay_rates[-1]:.1f}/s ({stats.get('records', 0)} records, {stats.get('articles_new', 0)} "
              f"articles stored, {stats.get('bad_records', 0)} bad)")  # fmt: skip
    replay, bare = median(replay_rates), median(bare_rates)
    print(f"medians: replay {replay:.1f} records/s, bare loop {bare:.1f} records/s")
    ratio = replay / bare if bare else 0.0
    print(key_values({"replay_ratio": ratio, "replay_records_s": replay, "processes": args.processes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
