"""SIGKILL of the whole ``newsarchive crawl`` process tree mid-run: the next run recovers and loses nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.faults._support import count_records, open_files, warc_files, warcio_check
from tests.support.cli import query, replica_source_toml, run_cli, write_config
from tests.support.processes import kill_tree


def test_killed_crawl_is_recovered_by_the_next_run(tmp_path: Path, database_url: str, publisher) -> None:
    base = publisher.base_url
    # A page that drips for 20 s holds the crawl open with a request in flight once the articles are in.
    first_source = replica_source_toml(base).replace(
        f'start_urls = ["{base}/"]', f'start_urls = ["{base}/", "{base}/faults/drip/?seconds=20"]'
    )
    config = write_config(tmp_path, database_url, first_source)
    archive = tmp_path / "data" / "archive"
    articles = {record["url"] for record in publisher.site.expected_records(base)}
    paths = {url.removeprefix(base) for url in articles}

    crawl = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "--config", str(config), "--log-format", "json", "crawl", "replica"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while not (paths <= {entry.path for entry in publisher.requests} and open_files(archive)):
            assert crawl.poll() is None and time.monotonic() < deadline, "the crawl ended or stalled before the kill"
            time.sleep(0.1)
        assert "/faults/drip/?seconds=20" in {entry.path for entry in publisher.requests}
        tree = kill_tree(crawl.pid)
        crawl.wait(timeout=30)
    finally:
        if crawl.poll() is None:
            kill_tree(crawl.pid)
    assert len(tree) >= 2  # the CLI and its crawl child (in a session of its own), and the child's workers
    psutil.wait_procs(tree, timeout=30)
    assert not [process for process in tree if process.is_running() and process.status() != psutil.STATUS_ZOMBIE]
    assert open_files(archive), "the kill should leave the WARC file open"
    assert query(database_url, "SELECT status FROM crawl_runs") == [("running",)]

    config = write_config(tmp_path, database_url, replica_source_toml(base))
    second = run_cli(config, "crawl", "replica")
    assert second.returncode == 0, second.stderr[-3000:]

    assert not open_files(archive)
    files = warc_files(archive)
    assert len(files) >= 2
    for path in files:
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout + check.stderr
    indexed = query(database_url, "SELECT count(*) FROM captures")[0][0]
    print(f"killed: {len(tree)} processes, {len(files)} files, {indexed} captures = records")
    assert indexed == count_records(files)
    runs = query(database_url, "SELECT status, error FROM crawl_runs ORDER BY id")
    assert runs[0][0] == "cancelled" and "died mid-run" in runs[0][1]
    assert runs[1][0] == "finished", runs[1]
    stored = {row[0] for row in query(database_url, "SELECT url FROM articles WHERE source = 'replica'")}
    assert stored == articles
