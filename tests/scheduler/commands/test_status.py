"""``newsarchive status [--json]`` through the CLI against a real database: fresh, then with runs and articles."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from replica import ReplicaPublisher, ReplicaSite
from replica.faults import unavailable
from tests.support.cli import replica_source_toml, run_cli, write_config

CONTRACT_KEYS = {"name", "schedule", "next_run_at", "last_run", "articles_total", "silent"}
SOURCES = """
[[sources]]
name = "quiet"
feeds = ["http://127.0.0.1:9/feed/"]
schedule = "0 6 * * 0"
silence_window = "1h"

[[sources]]
name = "busy"
feeds = ["http://127.0.0.1:9/feed/"]
schedule = "15m"
timezone = "Europe/Berlin"
"""


def status_json(config: Path) -> list[dict]:
    result = run_cli(config, "status", "--json", timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_status_on_a_fresh_database(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path, database_url, SOURCES)
    before = datetime.now(UTC)
    report = {entry["name"]: entry for entry in status_json(config)}
    assert set(report) == {"khaama", "quiet", "busy"}  # the built-in source too
    for entry in report.values():
        assert set(entry) >= CONTRACT_KEYS
        assert entry["last_run"] is None
        assert entry["articles_total"] == 0
        assert entry["silent"] is False
    quiet = report["quiet"]
    assert quiet["schedule"] == "0 6 * * 0"
    next_run = datetime.fromisoformat(quiet["next_run_at"])
    assert next_run > before and next_run.weekday() == 6 and (next_run.hour, next_run.minute) == (6, 0)
    busy_next = datetime.fromisoformat(report["busy"]["next_run_at"])
    assert before < busy_next <= before + timedelta(minutes=15, seconds=5)


def test_status_reports_runs_articles_and_silence(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path, database_url, SOURCES)
    now = datetime.now(UTC)
    with psycopg.connect(database_url, autocommit=True) as conn:
        insert_run(conn, "quiet", now - timedelta(hours=5), "finished", {"newsarchive/articles/new": 2})
        insert_run(
            conn,
            "quiet",
            now - timedelta(minutes=30),
            "degraded",
            {"newsarchive/articles/new": 0, "newsarchive/spider/fetch_errors/http": 3},
            error="3 of 10 requests failed",
        )
        insert_article(conn, "quiet", "http://127.0.0.1:9/a-1/", now - timedelta(hours=5))
        insert_article(conn, "quiet", "http://127.0.0.1:9/a-2/", now - timedelta(hours=5))
        insert_run(conn, "busy", now - timedelta(minutes=2), "running", None, finished=False)
        insert_article(conn, "busy", "http://127.0.0.1:9/b-1/", now - timedelta(minutes=1))

    report = {entry["name"]: entry for entry in status_json(config)}
    quiet = report["quiet"]
    assert quiet["articles_total"] == 2
    assert quiet["silent"] is True  # newest article 5 h old, window 1 h
    last = quiet["last_run"]
    assert last["status"] == "degraded"
    assert last["new_articles"] == 0
    assert last["errors"] == 3
    assert last["error"] == "3 of 10 requests failed"
    assert abs(last["duration"] - 60) < 1
    assert datetime.fromisoformat(last["started_at"]) == (now - timedelta(minutes=30)).replace(microsecond=0)

    busy = report["busy"]
    assert busy["silent"] is False  # default window 24 h
    assert busy["articles_total"] == 1
    assert busy["last_run"]["status"] == "running"
    assert busy["last_run"]["finished_at"] is None
    assert busy["last_run"]["new_articles"] == 1  # counted live from the database while it runs

    text = run_cli(config, "status", timeout=60)
    assert text.returncode == 0, text.stderr[-2000:]
    assert "quiet" in text.stdout and "degraded" in text.stdout
    assert "no new article" in text.stdout  # the silence warning


def test_status_without_database_exits_69(tmp_path: Path) -> None:
    config = write_config(tmp_path, "postgresql://postgres@127.0.0.1:1/none", SOURCES)
    result = run_cli(config, "status", "--json", timeout=60)
    assert result.returncode == 69
    assert "database unavailable" in result.stderr


def insert_run(
    conn: psycopg.Connection,
    source: str,
    started: datetime,
    status: str,
    stats: dict | None,
    *,
    finished: bool = True,
    error: str | None = None,
) -> None:
    started = started.replace(microsecond=0)
    conn.execute(
        "INSERT INTO crawl_runs (source, trigger, host, pid, started_at, finished_at, status, stats, error)"
        " VALUES (%s, 'daemon', 'test', 1, %s, %s, %s, %s, %s)",
        [source, started, started + timedelta(minutes=1) if finished else None, status, Jsonb(stats), error],
    )


def insert_article(conn: psycopg.Connection, source: str, url: str, seen: datetime) -> None:
    conn.execute(
        "INSERT INTO article_records (url, source, first_seen_at, last_seen_at) VALUES (%s, %s, %s, %s)",
        [url, source, seen, seen],
    )


def _refused_port() -> int:
    """A loopback port nothing listens on (bound, then closed): connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_publisher_that_refuses_or_answers_503_is_degraded_and_status_says_why(
    tmp_path: Path, database_url: str
) -> None:
    with ReplicaPublisher(ReplicaSite(), mounts=[unavailable(503)]) as down:
        sources = replica_source_toml(f"http://127.0.0.1:{_refused_port()}", name="refusing")
        sources += replica_source_toml(down.base_url, name="unavailable")
        config = write_config(tmp_path, database_url, sources)
        crawled = run_cli(config, "crawl", "refusing", "unavailable")
    assert crawled.returncode == 0, crawled.stderr[-3000:]  # degraded exits 0, with a warning line
    assert "warning: refusing: run degraded" in crawled.stderr and "Traceback" not in crawled.stderr

    report = {entry["name"]: entry["last_run"] for entry in status_json(config)}
    refusing, unavailable_ = report["refusing"], report["unavailable"]
    assert (refusing["status"], unavailable_["status"]) == ("degraded", "degraded")
    assert refusing["error"].startswith("the publisher did not answer: ")
    assert "connection refused" in refusing["error"]
    assert "of the source's own pages (robots.txt, configured URLs) failed" in unavailable_["error"]
    assert "HTTP 503" in unavailable_["error"]

    text = run_cli(config, "status", timeout=60)
    assert f"refusing: last run degraded: {refusing['error']}" in text.stdout.splitlines()
    assert f"unavailable: last run degraded: {unavailable_['error']}" in text.stdout.splitlines()
