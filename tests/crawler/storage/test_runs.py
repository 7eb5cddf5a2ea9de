"""crawl_runs: one running run per source, outcomes, skipped runs, stale-run repair, the last success."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from crawler.storage import runs
from crawler.storage.runs import RunAlreadyRunning


def test_start_and_finish(db_conn):
    run_id = runs.start_run(db_conn, "khaama", "manual")
    stats = {"finish_reason": "finished", "start_time": datetime(2024, 7, 13, tzinfo=UTC), "item_scraped_count": 3}
    runs.finish_run(db_conn, run_id, "finished", finish_reason="finished", stats=stats)
    row = db_conn.execute(
        "SELECT source, trigger, host, status, finish_reason, stats, finished_at >= started_at FROM crawl_runs"
    ).fetchone()
    assert row == (
        "khaama",
        "manual",
        socket.gethostname(),
        "finished",
        "finished",
        {"finish_reason": "finished", "start_time": "2024-07-13T00:00:00+00:00", "item_scraped_count": 3},
        True,
    )


def test_one_running_run_per_source(db_conn):
    first = runs.start_run(db_conn, "khaama", "cron")
    with pytest.raises(RunAlreadyRunning):
        runs.start_run(db_conn, "khaama", "manual")
    runs.start_run(db_conn, "other", "cron")
    runs.finish_run(db_conn, first, "degraded")
    runs.start_run(db_conn, "khaama", "manual")


def test_constraints_reject_unknown_values(db_conn):
    with pytest.raises(psycopg.errors.CheckViolation):
        runs.start_run(db_conn, "khaama", "sometimes")
    with pytest.raises(ValueError):
        runs.finish_run(db_conn, 1, "running")


def test_record_skipped(db_conn):
    runs.start_run(db_conn, "khaama", "cron")
    run_id = runs.record_skipped(db_conn, "khaama", "manual", "locked by another run")
    row = db_conn.execute("SELECT status, finish_reason FROM crawl_runs WHERE id = %s", [run_id]).fetchone()
    assert row == ("skipped", "locked by another run")


def test_close_abandoned_runs_of_a_host_closes_only_dead_pids(db_conn):
    host = "test-host"
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = runs.start_run(db_conn, "dead", "cron", host=host, pid=child.pid)
    alive = runs.start_run(db_conn, "alive", "cron", host=host)
    # Our pid, but the run started before this process existed: the pid was reused, the run's process died.
    reused = runs.start_run(db_conn, "reused", "cron", host=host, started_at=datetime.now(UTC) - timedelta(days=30))
    elsewhere = runs.start_run(db_conn, "elsewhere", "cron", host="other-host", pid=child.pid)
    assert runs.close_abandoned_runs(db_conn, host=host) == 2
    statuses = dict(db_conn.execute("SELECT id, status FROM crawl_runs").fetchall())
    assert statuses == {dead: "cancelled", alive: "running", reused: "cancelled", elsewhere: "running"}
    error = db_conn.execute("SELECT error FROM crawl_runs WHERE id = %s", [dead]).fetchone()[0]
    assert "with its process gone" in error and "died mid-run" in error
    assert runs.close_abandoned_runs(db_conn, host=host) == 0


def test_close_abandoned_runs_of_a_locked_source_closes_every_running_row(db_conn):
    orphan = runs.start_run(db_conn, "khaama", "cron", host="elsewhere", worker="worker-a")
    other = runs.start_run(db_conn, "other", "cron")
    assert runs.close_abandoned_runs(db_conn, source="khaama") == 1
    status, error = db_conn.execute("SELECT status, error FROM crawl_runs WHERE id = %s", [orphan]).fetchone()
    assert status == "cancelled" and "worker worker-a died mid-run" in error
    assert db_conn.execute("SELECT status FROM crawl_runs WHERE id = %s", [other]).fetchone() == ("running",)
    assert runs.close_abandoned_runs(db_conn, source="khaama") == 0


def test_close_abandoned_runs_needs_exactly_one_kind_of_evidence(db_conn):
    with pytest.raises(ValueError):
        runs.close_abandoned_runs(db_conn)
    with pytest.raises(ValueError):
        runs.close_abandoned_runs(db_conn, source="khaama", host="h")


def test_last_success_is_the_latest_finished_run(db_conn):
    t0 = datetime(2024, 7, 13, tzinfo=UTC)
    first = runs.start_run(db_conn, "khaama", "cron", started_at=t0)
    runs.finish_run(db_conn, first, "finished")
    second = runs.start_run(db_conn, "khaama", "cron", started_at=t0 + timedelta(hours=1))
    runs.finish_run(db_conn, second, "failed", error="boom")
    assert runs.last_success_at(db_conn, "khaama") == t0
    assert runs.last_success_at(db_conn, "nobody") is None
