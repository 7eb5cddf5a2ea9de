"""The database fails: down when a crawl starts, or gone in the middle of one (then back, and nothing is lost)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.faults._support import count_records, warc_files, warcio_check
from tests.support.cli import query, replica_source_toml, run_cli, write_config
from tests.support.processes import stop_tree

PASSWORD = "fault-suite-pw-7c1e"


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_database_down_at_start_retries_then_exits_69_with_one_line(tmp_path: Path, publisher) -> None:
    url = f"postgresql://newsarchive:{PASSWORD}@127.0.0.1:{free_port()}/newsarchive"
    config = write_config(tmp_path, url, replica_source_toml(publisher.base_url))

    started = time.monotonic()
    result = run_cli(config, "crawl", "replica", timeout=120)
    seconds = time.monotonic() - started

    assert result.returncode == 69, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("newsarchive: database unavailable: cannot connect to postgresql://newsarchive:***@")
    retries = [json.loads(line)["message"] for line in lines[:-1]]
    assert len(retries) == 4 and all("unreachable (attempt" in message for message in retries), retries
    print(f"database down at start: exit {result.returncode} after {seconds:.1f}s, {len(retries)} retry lines")
    assert 6 <= seconds < 40  # bounded: five attempts two seconds apart
    assert "Traceback" not in result.stderr and PASSWORD not in result.stderr + result.stdout
    assert publisher.requests == []  # nothing was crawled without a run row


def test_database_lost_mid_crawl_degrades_then_replay_stores_every_article(
    tmp_path: Path, database_url: str, database_proxy, publisher
) -> None:
    base = publisher.base_url
    # A slow start page keeps the crawl alive (15 s) after the articles are fetched, so the outage can end first.
    source = replica_source_toml(base).replace(f'start_urls = ["{base}/"]', f'start_urls = ["{base}/", '
                                               f'"{base}/faults/slow/?seconds=15"]')  # fmt: skip
    config = write_config(tmp_path, database_proxy.url, source)
    log_path = tmp_path / "crawl.log"
    with log_path.open("w") as log:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "--config", str(config), "--log-format", "json", "crawl", "replica"],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={key: value for key, value in os.environ.items() if key not in ("DATABASE_URL",)},
        )
    try:
        wait_for(lambda: query(database_url, "SELECT count(*) FROM crawl_runs")[0][0] == 1, 60, "the run row")
        database_proxy.down()
        articles = {record["url"] for record in publisher.site.expected_records(base)}
        paths = {url.removeprefix(base) for url in articles}
        wait_for(lambda: paths <= {entry.path for entry in publisher.requests}, 60, "every article fetched")
        # Both writers (captures, articles) report the outage once each, when a write of theirs failed.
        wait_for(lambda: log_path.read_text().count("continuing without it") >= 2, 30, "failed writes")
        assert crawl.poll() is None, "the crawl should still be waiting on the slow page"
        database_proxy.up()
        assert crawl.wait(timeout=120) == 0
    finally:
        stop_tree(crawl)  # with the crawl child, in a session of its own
    stderr = log_path.read_text()

    [(status, error, stats)] = query(database_url, "SELECT status, error, stats FROM crawl_runs")
    assert status == "degraded", stderr[-3000:]
    unstored = stats["newsarchive/articles/unstored"]
    assert unstored >= 1 and f"{unstored} articles not stored" in error
    stored_live = {row[0] for row in query(database_url, "SELECT url FROM articles")}
    captures_unstored = stats.get("newsarchive/captures/unstored", 0)
    print(f"outage mid-crawl: {status}, {unstored} articles and {captures_unstored} captures unstored,"
          f" {len(stored_live)} of {len(articles)} articles stored live")  # fmt: skip
    assert len(stored_live) == len(articles) - unstored
    assert "warning: replica: run degraded" in stderr and "Traceback" not in stderr

    files = warc_files(tmp_path / "data" / "archive")
    assert files and all(warcio_check(path).returncode == 0 for path in files)
    replay = run_cli(config, "replay", str(tmp_path / "data" / "archive"), "--processes", "1")
    assert replay.returncode == 0, replay.stderr[-3000:]
    stored = {row[0] for row in query(database_url, "SELECT url FROM articles WHERE source = 'replica'")}
    assert stored == articles  # served = stored
    assert query(database_url, "SELECT count(*) FROM captures")[0][0] == count_records(files)


def test_database_gone_until_the_end_then_the_next_run_stores_what_is_missing(
    tmp_path: Path, database_url: str, database_proxy, publisher
) -> None:
    """The outcome cannot be recorded: the run says so on stderr, exits 0 (degraded). The next run repairs the row,
    indexes the file the first one wrote, and fetches again the pages whose articles were never stored."""
    config = write_config(tmp_path, database_proxy.url, replica_source_toml(publisher.base_url))
    log_path = tmp_path / "crawl.log"
    with log_path.open("w") as log:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "--config", str(config), "--log-format", "json", "crawl", "replica"],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        wait_for(lambda: query(database_url, "SELECT count(*) FROM crawl_runs")[0][0] == 1, 60, "the run row")
        database_proxy.down()
        assert crawl.wait(timeout=120) == 0
    finally:
        stop_tree(crawl)
    stderr = log_path.read_text()
    assert "ended degraded but could not be recorded" in stderr, stderr[-3000:]
    assert "warning: replica: run degraded" in stderr and "Traceback" not in stderr
    assert query(database_url, "SELECT status FROM crawl_runs") == [("running",)]

    database_proxy.up()
    second = run_cli(config, "crawl", "replica")
    assert second.returncode == 0, second.stderr[-3000:]
    # The first row never got its outcome: the next run, holding the lock, closes it as cut off.
    assert [row[0] for row in query(database_url, "SELECT status FROM crawl_runs ORDER BY id")] == [
        "cancelled",
        "finished",
    ]
    expected = {record["url"] for record in publisher.site.expected_records(publisher.base_url)}
    assert {row[0] for row in query(database_url, "SELECT url FROM articles")} == expected
    files = warc_files(tmp_path / "data" / "archive")
    assert len(files) == 2 and all(warcio_check(path).returncode == 0 for path in files)
    # The first run's file, written while the database was away, was indexed by the second run before it crawled.
    assert query(database_url, "SELECT count(*) FROM captures")[0][0] == count_records(files)
    assert query(database_url, "SELECT count(*) FROM warc_files")[0][0] == 2
