"""``newsarchive daemon`` end to end: real subprocess, real crawls of the replica publisher, real PostgreSQL."""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from scheduler.leader import LeaderLock
from scheduler.locks import lock_key
from tests.scheduler.daemon_process import (
    DaemonProcess,
    assert_no_overlap,
    daemon_config,
    ended_runs,
    metric_value,
    process_gone,
    running_run,
    runs,
    source_toml,
    wait_until,
)
from tests.support.cli import run_cli

YEARLY = "0 0 1 1 *"
"""Fires once a year: such a source runs only through catch-up at start (it never ran) during a test."""
STOP_TIMEOUT = 10.0


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[list[DaemonProcess]]:
    """Daemons a test starts; any still running at the end are killed."""
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        daemon.stop()


def start_daemon(daemons: list[DaemonProcess], config: Path, name: str = "daemon") -> DaemonProcess:
    daemon = DaemonProcess(config, config.parent / f"{name}.log").start()
    daemons.append(daemon)
    return daemon


def open_warcs(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "data").rglob("*.open"))


def stop_cleanly(daemon: DaemonProcess) -> float:
    """SIGTERM; the daemon must exit 0 within the stop timeout (plus interpreter start-up slack); seconds taken."""
    started = time.monotonic()
    daemon.send(signal.SIGTERM)
    code = daemon.wait(STOP_TIMEOUT + 5)
    elapsed = time.monotonic() - started
    assert code == 0, daemon.tail()
    assert elapsed <= STOP_TIMEOUT + 2, elapsed
    return elapsed


def test_sources_run_on_schedule_never_overlap_and_a_colliding_crawl_exits_75(
    tmp_path: Path, database_url: str, publisher, daemons: list[DaemonProcess]
) -> None:
    sources = (
        source_toml("slow", publisher.base_url, YEARLY, slow_seconds=12)
        + source_toml("a", publisher.base_url, "5s")
        + source_toml("b", publisher.base_url, "7s")
    )
    config = daemon_config(tmp_path / "newsarchive.toml", database_url, sources)
    daemon = start_daemon(daemons, config)

    wait_until(lambda: running_run(database_url, "slow"), 60, "the catch-up run of 'slow'")
    collision = run_cli(config, "crawl", "slow", timeout=60)
    assert collision.returncode == 75, collision.stderr[-2000:]
    skipped = [r for r in runs(database_url, "slow") if r["trigger"] == "manual"]
    assert [r["status"] for r in skipped] == ["skipped"]

    wait_until(lambda: len(ended_runs(database_url, "a")) >= 1, 90, "a first run of 'a'")
    first_scrape = daemon.get("/metrics")[1]
    wait_until(
        lambda: len(ended_runs(database_url, "a")) >= 3 and len(ended_runs(database_url, "b")) >= 2,
        150,
        "three runs of 'a' and two of 'b'",
    )
    second_scrape = daemon.get("/metrics")[1]
    # On a quiet machine a and b can get there before the slow page has answered: let that run end on its own.
    wait_until(lambda: len(ended_runs(database_url, "slow")) >= 1, 90, "the daemon's run of 'slow' to end")
    before = metric_value(first_scrape, "newsarchive_runs_total", source="a")
    after = metric_value(second_scrape, "newsarchive_runs_total", source="a")
    assert after >= before + 2, (before, after)
    assert metric_value(second_scrape, "newsarchive_run_duration_seconds_count", source="b") >= 2
    assert metric_value(second_scrape, "newsarchive_last_success_timestamp_seconds", source="a") > 0
    status, health = daemon.get("/healthz")
    assert status == 200 and json.loads(health)["role"] == "leader"

    stop_cleanly(daemon)
    for name in ("slow", "a", "b"):
        rows = runs(database_url, name)
        assert all(row["status"] != "running" for row in rows), rows
        assert_no_overlap(rows)
        assert {row["status"] for row in rows if row["trigger"] == "daemon"} <= {
            "finished",
            "degraded",
            "cancelled",
        }
    slow_runs = [r["status"] for r in runs(database_url, "slow") if r["trigger"] == "daemon"]
    assert len(slow_runs) == 1 and slow_runs[0] in ("finished", "degraded"), slow_runs
    assert not open_warcs(tmp_path)


def test_sigterm_during_a_crawl_cancels_it_and_exits_0(
    tmp_path: Path, database_url: str, publisher, daemons: list[DaemonProcess]
) -> None:
    config = daemon_config(
        tmp_path / "newsarchive.toml", database_url, source_toml("slow", publisher.base_url, YEARLY, slow_seconds=60)
    )
    daemon = start_daemon(daemons, config)
    run = wait_until(lambda: running_run(database_url, "slow"), 60, "the catch-up run")
    crawl_pid = int(daemon.wait_for_log(r"crawl process (\d+) started").group(1))
    wait_until(lambda: "/feed/" in publisher.paths(), 60, "the crawl to fetch the feed (the slow page is pending)")

    stop_cleanly(daemon)
    assert process_gone(crawl_pid)
    [row] = runs(database_url, "slow")
    assert row["id"] == run["id"]
    assert row["status"] == "cancelled"
    assert row["finished_at"] is not None
    assert not open_warcs(tmp_path)
    assert list((tmp_path / "data").rglob("*.warc.gz"))  # what it fetched before the stop is archived


def test_sigkill_then_restart_repairs_the_run_and_catches_up_once(
    tmp_path: Path, database_url: str, publisher, daemons: list[DaemonProcess]
) -> None:
    path = tmp_path / "newsarchive.toml"
    daemon_config(path, database_url, source_toml("news", publisher.base_url, YEARLY, slow_seconds=60))
    first = start_daemon(daemons, path, "first")
    wait_until(lambda: running_run(database_url, "news"), 60, "the catch-up run")
    crawl_pid = int(first.wait_for_log(r"crawl process (\d+) started").group(1))

    first.send(signal.SIGKILL)
    first.wait(10)
    wait_until(lambda: process_gone(crawl_pid), 30, "the orphaned crawl to die with its parent")
    [stale] = runs(database_url, "news")
    assert stale["status"] == "running"  # nobody has repaired it yet

    daemon_config(path, database_url, source_toml("news", publisher.base_url, YEARLY))  # no slow page this time
    second = start_daemon(daemons, path, "second")
    second.wait_for_log(r"repaired 1 run")
    wait_until(lambda: len(ended_runs(database_url, "news")) >= 2, 90, "the catch-up run after the restart")
    stop_cleanly(second)

    rows = runs(database_url, "news")
    assert next(r["status"] for r in rows) == "cancelled"
    assert "with its process gone" in rows[0]["error"] and "died mid-run" in rows[0]["error"]
    assert [r["status"] in ("finished", "degraded") for r in rows[1:]] == [True]  # caught up exactly once
    assert_no_overlap(rows)


def test_sighup_applies_a_changed_config_and_survives_a_broken_one(
    tmp_path: Path, database_url: str, publisher, daemons: list[DaemonProcess]
) -> None:
    path = tmp_path / "newsarchive.toml"
    daemon_config(path, database_url, source_toml("a", publisher.base_url, YEARLY))
    daemon = start_daemon(daemons, path)
    wait_until(lambda: len(ended_runs(database_url, "a")) == 1, 90, "the catch-up run of 'a'")

    daemon_config(
        path,
        database_url,
        source_toml("a", publisher.base_url, "4s") + source_toml("b", publisher.base_url, YEARLY),
    )
    daemon.send(signal.SIGHUP)
    daemon.wait_for_log(r"config reloaded")
    wait_until(lambda: len(ended_runs(database_url, "a")) >= 3, 90, "'a' running on its new 4s schedule")
    wait_until(lambda: len(ended_runs(database_url, "b")) == 1, 90, "the added source 'b' catching up")

    path.write_text(path.read_text().replace('schedule = "4s"', 'schedule = "every now and then"'))
    daemon.send(signal.SIGHUP)
    daemon.wait_for_log(r"config reload failed, keeping the current config: .*schedule")
    count = len(ended_runs(database_url, "a"))
    wait_until(lambda: len(ended_runs(database_url, "a")) > count, 60, "'a' still running on the old config")
    assert daemon.alive()
    stop_cleanly(daemon)
    assert_no_overlap(runs(database_url, "a"))


def test_second_daemon_stands_by_and_takes_over(
    tmp_path: Path, database_url: str, publisher, daemons: list[DaemonProcess]
) -> None:
    config = daemon_config(tmp_path / "newsarchive.toml", database_url, source_toml("a", publisher.base_url, YEARLY))
    leader = start_daemon(daemons, config, "leader")
    leader.wait_for_log(r"leading the schedule")
    standby = start_daemon(daemons, config, "standby")
    standby.wait_for_log(r"another daemon leads")
    assert json.loads(standby.get("/healthz")[1])["role"] == "standby"
    wait_until(lambda: len(ended_runs(database_url, "a")) == 1, 90, "the leader's catch-up run")
    assert {r["pid"] for r in runs(database_url, "a")} == {leader.pid}

    leader.send(signal.SIGKILL)
    leader.wait(10)
    standby.wait_for_log(r"leading the schedule", timeout=20)
    assert json.loads(standby.get("/healthz")[1])["role"] == "leader"
    stop_cleanly(standby)


def test_database_down_at_start_keeps_the_daemon_waiting(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    config = daemon_config(
        tmp_path / "newsarchive.toml", "postgresql://postgres@127.0.0.1:1/none", source_toml("a", "http://x", "5s")
    )
    daemon = start_daemon(daemons, config)
    daemon.wait_for_log(r"database unavailable, the daemon keeps trying")
    assert daemon.alive()
    document = json.loads(daemon.get("/healthz")[1])
    assert (document["role"], document["database"]) == ("standby", "unreachable")
    assert stop_cleanly(daemon) < 3


def test_leadership_lost_to_another_session_means_standing_by(
    tmp_path: Path, database_url: str, daemons: list[DaemonProcess]
) -> None:
    """The leader's session dies and someone else takes the leader lock: the daemon stands by, then leads again."""
    config = daemon_config(tmp_path / "newsarchive.toml", database_url, "")  # no enabled source: no crawls
    daemon = start_daemon(daemons, config)
    daemon.wait_for_log(r"leading the schedule")
    usurper = LeaderLock(database_url)
    try:
        assert terminate_lock_holder(database_url, lock_key("leader", "daemon")) == 1
        wait_until(lambda: usurp(usurper, database_url), 20, "another session taking the leader lock")
        daemon.wait_for_log(r"leader lock lost to another daemon", timeout=30)
        wait_until(lambda: json.loads(daemon.get("/healthz")[1])["role"] == "standby", 30, "standby role")
    finally:
        usurper.release()
    wait_until(lambda: len(daemon.logged(r"leading the schedule")) == 2, 30, "leadership taken back")
    stop_cleanly(daemon)


def test_metrics_port_in_use_is_a_configuration_error(tmp_path: Path, database_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = daemon_config(tmp_path / "newsarchive.toml", database_url, "")
        config.write_text(config.read_text().replace('listen = "127.0.0.1:0"', f'listen = "127.0.0.1:{port}"'))
        result = run_cli(config, "daemon", timeout=60)
    assert result.returncode == 78
    assert "metrics.listen" in result.stderr


def usurp(usurper: LeaderLock, database_url: str) -> bool:
    """Take the leader lock from the daemon. pg_terminate_backend only signals: the lock goes when the backend has
    exited, and a daemon checking its lock at that moment may take it back first, so terminate again and retry."""
    if usurper.acquire():
        return True
    terminate_lock_holder(database_url, lock_key("leader", "daemon"))
    return False


def terminate_lock_holder(database_url: str, key: int) -> int:
    with psycopg.connect(database_url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objid = %s AND objsubid = 1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF],
        ).fetchall()
    return len(rows)


def test_database_outages_are_waited_out_and_runs_retried_on_schedule(
    tmp_path: Path, database_url: str, database_proxy, publisher, daemons: list[DaemonProcess]
) -> None:
    """Down at start: the daemon waits, then leads. Down later: runs fail to start (logged, counted), the daemon
    stays up, and the next scheduled runs succeed once the database is back."""
    database_proxy.down()
    config = daemon_config(
        tmp_path / "newsarchive.toml", database_proxy.url, source_toml("a", publisher.base_url, "5s")
    )
    daemon = start_daemon(daemons, config)
    daemon.wait_for_log(r"database unavailable, the daemon keeps trying")
    database_proxy.up()
    daemon.wait_for_log(r"leading the schedule", timeout=30)
    wait_until(lambda: len(ended_runs(database_url, "a")) >= 1, 90, "a first run once the database is back")
    wait_until(lambda: running_run(database_url, "a") is None, 60, "no run in flight")

    database_proxy.down()
    daemon.wait_for_log(r"run of a not started, database unavailable", timeout=60)
    scrape = daemon.get("/metrics")[1]
    assert metric_value(scrape, "newsarchive_runs_total", source="a", outcome="error") >= 1
    assert json.loads(daemon.get("/healthz")[1])["database"] == "unreachable"
    assert daemon.alive()

    count = len(ended_runs(database_url, "a"))
    database_proxy.up()
    wait_until(lambda: len(ended_runs(database_url, "a")) > count, 90, "runs again on schedule")
    stop_cleanly(daemon)
    assert_no_overlap(runs(database_url, "a"))
