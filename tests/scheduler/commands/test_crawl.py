"""End to end through the CLI: ``newsarchive crawl`` of the replica publisher into WARCs and PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from scheduler.locks import SourceLock
from tests.support.cli import cli_command, cli_env, query, replica_source_toml, run_cli, write_config
from tests.support.processes import stop_tree

ARTICLE_COLUMNS = [
    "url",
    "title",
    "authors",
    "published_at",
    "modified_at",
    "section",
    "tags",
    "language",
    "summary",
    "body",
    "image_url",
]


@pytest.fixture
def config(tmp_path: Path, database_url: str, publisher) -> Path:
    return write_config(tmp_path, database_url, replica_source_toml(publisher.base_url))


def articles(database_url: str) -> dict[str, dict]:
    rows = query(database_url, f"SELECT {', '.join(ARTICLE_COLUMNS)}, version FROM articles WHERE source = 'replica'")
    return {row[0]: dict(zip([*ARTICLE_COLUMNS, "version"], row, strict=True)) for row in rows}


def as_instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def assert_matches(stored: dict, expected: dict) -> None:
    for key in ARTICLE_COLUMNS:
        want = expected[key]
        if key in ("published_at", "modified_at"):
            want = as_instant(want)
        assert stored[key] == want, f"{expected['url']}: {key}"


def warc_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "data" / "archive").rglob("*.warc.gz"))


def test_crawl_archives_every_article_exactly(config: Path, tmp_path: Path, database_url: str, publisher) -> None:
    result = run_cli(config, "crawl", "replica")
    assert result.returncode == 0, result.stderr[-3000:]

    expected = publisher.site.expected_records(publisher.base_url)
    stored = articles(database_url)
    assert sorted(stored) == sorted(record["url"] for record in expected)
    for record in expected:
        assert_matches(stored[record["url"]], record)
        assert stored[record["url"]]["version"] == 1

    run = query(database_url, "SELECT status, trigger, finished_at, stats FROM crawl_runs WHERE source = 'replica'")
    assert len(run) == 1
    status, trigger, finished_at, stats = run[0]
    assert (status, trigger) == ("finished", "manual")
    assert finished_at is not None and stats["finish_reason"] == "finished"

    paths = [log.path for log in publisher.requests]
    assert "/robots.txt" in paths
    assert not any(path.startswith("/private/") for path in paths), "robots.txt Disallow was not obeyed"

    files = warc_files(tmp_path)
    assert files and not list((tmp_path / "data" / "archive").rglob("*.open"))
    for path in files:
        assert subprocess.run(["gzip", "-t", str(path)]).returncode == 0
        warcio = str(Path(sys.executable).parent / "warcio")
        check = subprocess.run([warcio, "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    captured = query(database_url, "SELECT count(*) FROM captures WHERE page_kind = 'article'")[0][0]
    assert captured >= len(expected)  # a response per article; requests and metadata are in the CDXJ only


def test_second_crawl_adds_no_rows_and_no_versions(config: Path, database_url: str, publisher) -> None:
    assert run_cli(config, "crawl", "replica").returncode == 0
    counts = query(
        database_url, "SELECT (SELECT count(*) FROM article_records), (SELECT count(*) FROM article_versions)"
    )
    article_fetches = sum(1 for log in publisher.requests if publisher.site.article_by_path(log.path))

    second = run_cli(config, "crawl", "replica")
    assert second.returncode == 0, second.stderr[-3000:]
    assert (
        query(database_url, "SELECT (SELECT count(*) FROM article_records), (SELECT count(*) FROM article_versions)")
        == counts
    )
    refetched = sum(1 for log in publisher.requests if publisher.site.article_by_path(log.path)) - article_fetches
    assert refetched == 0, "known articles were fetched again"


def test_the_frontier_waits_on_disk_and_each_run_starts_a_fresh_one(
    config: Path, tmp_path: Path, database_url: str, publisher
) -> None:
    """Waiting requests are pickled under data/frontier/SOURCE, not held in memory; a killed run's queue (here a
    corrupt one) is not resumed, and nothing is left behind."""
    frontier = tmp_path / "data" / "frontier" / "replica"
    (frontier / "requests.queue").mkdir(parents=True)
    (frontier / "requests.queue" / "active.json").write_text("{not json", encoding="utf-8")

    result = run_cli(config, "crawl", "replica")
    assert result.returncode == 0, result.stderr[-3000:]
    stats = query(database_url, "SELECT stats FROM crawl_runs WHERE source = 'replica'")[0][0]
    assert stats["scheduler/enqueued/disk"] == stats["scheduler/dequeued/disk"] > 0
    assert stats.get("scheduler/enqueued/memory", 0) == 0
    assert len(articles(database_url)) == len(publisher.site.expected_records(publisher.base_url))
    assert not frontier.exists()


def test_changed_article_gets_a_new_version(config: Path, database_url: str, publisher) -> None:
    assert run_cli(config, "crawl", "replica").returncode == 0
    publisher.site.update_article(0, title="A corrected headline")
    assert run_cli(config, "crawl", "replica").returncode == 0
    changed = [row for row in articles(database_url).values() if row["title"] == "A corrected headline"]
    assert len(changed) == 1 and changed[0]["version"] == 2


def test_crawl_while_the_source_is_locked_exits_75_and_is_recorded_skipped(config: Path, database_url: str) -> None:
    lock = SourceLock(database_url, "replica")
    assert lock.acquire()
    try:
        result = run_cli(config, "crawl", "replica")
    finally:
        lock.release()
    assert result.returncode == 75, result.stderr[-2000:]
    assert query(database_url, "SELECT status FROM crawl_runs WHERE source = 'replica'") == [("skipped",)]


def test_unknown_config_key_is_one_line_and_exit_78(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[crawl]\ndownload_dealy = '1s'\n", encoding="utf-8")
    result = run_cli(config, "sources")
    assert result.returncode == 78
    assert result.stderr.strip().splitlines() == ["newsarchive: configuration error: crawl.download_dealy: unknown key"]


def test_sigterm_during_a_slow_download_cancels_the_run_and_leaves_no_open_warc(
    tmp_path: Path, database_url: str, publisher
) -> None:
    base = publisher.base_url
    source = replica_source_toml(base).replace(
        f'start_urls = ["{base}/"]', f'start_urls = ["{base}/", "{base}/faults/slow/?seconds=60"]'
    )
    config = write_config(tmp_path, database_url, source)
    command = [sys.executable, "-m", "scheduler", "--config", str(config), "--log-format", "json", "crawl", "replica"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The slow page answers after a minute (past the download timeout): stop while it is in flight.
        articles = {publisher.site.article_path(article) for article in publisher.site.articles}
        wait_for(lambda: articles <= {log.path for log in publisher.requests}, timeout=60)
        assert list((tmp_path / "data" / "archive").rglob("*.open"))
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        stop_tree(process)  # with the crawl child, in a session of its own
    assert process.returncode == 1, stderr[-2000:]
    assert query(database_url, "SELECT status FROM crawl_runs WHERE source = 'replica'") == [("cancelled",)]
    archive = tmp_path / "data" / "archive"
    assert not list(archive.rglob("*.open")), "the forced stop left a WARC open"
    for path in warc_files(tmp_path):
        warcio = str(Path(sys.executable).parent / "warcio")
        assert subprocess.run([warcio, "check", str(path)], capture_output=True).returncode == 0


def wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_clean_crawl_passes_with_python_warnings_turned_into_errors(
    config: Path, database_url: str, publisher
) -> None:
    """``-W error`` in the CLI and (through PYTHONWARNINGS) in its crawl subprocess: no spider-name clash, nothing
    deprecated on the path of a clean run."""
    command = [sys.executable, "-W", "error", *cli_command(config, "crawl", "replica")[1:]]
    env = {**cli_env(), "PYTHONWARNINGS": "error"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Warning" not in result.stderr, result.stderr[-3000:]
    [(status, new)] = query(
        database_url,
        "SELECT status, (stats ->> 'newsarchive/articles/new')::int FROM crawl_runs WHERE source = 'replica'",
    )
    assert (status, new) == ("finished", len(publisher.site.articles))
