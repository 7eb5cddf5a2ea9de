"""Queue mode end to end: a daemon enqueues, workers on separate "hosts" (data dirs, names) crawl; real PostgreSQL."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import psycopg
import pytest

from scheduler.queue.app import STALL_BOUND
from tests.scheduler.daemon_process import (
    DaemonProcess,
    assert_no_overlap,
    ended_runs,
    process_gone,
    running_run,
    runs,
    source_toml,
    wait_until,
)
from tests.scheduler.queue.conftest import host_config, start, start_worker
from tests.support.cli import query

YEARLY = "0 0 1 1 *"
"""Fires once a year: such a source runs only through catch-up at the daemon's start during a test."""


def waiting_jobs(database_url: str) -> dict[str, int]:
    """Queued (not yet running) crawl jobs per source (none before the first worker or daemon made the queue)."""
    if query(database_url, "SELECT to_regclass('procrastinate_jobs')") == [(None,)]:
        return {}
    rows = query(
        database_url,
        "SELECT args->>'source', count(*) FROM procrastinate_jobs WHERE status = 'todo' GROUP BY 1",
    )
    return dict(rows)


@pytest.mark.slow
def test_daemon_and_three_workers_run_every_tick_once_without_overlap(
    tmp_path: Path, database_url: str, publishers, processes: list[DaemonProcess]
) -> None:
    names = [f"s{index}" for index in range(len(publishers))]
    sources = "".join(source_toml(name, p.base_url, "20s") for name, p in zip(names, publishers, strict=True))
    daemon = start(processes, host_config(tmp_path / "scheduler", database_url, sources), "daemon")
    workers = [
        start_worker(processes, host_config(tmp_path / f"host{index}", database_url, sources), f"worker-{index}")
        for index in range(3)
    ]
    started = time.monotonic()
    most_waiting = 0
    while time.monotonic() - started < 120:
        most_waiting = max(most_waiting, *waiting_jobs(database_url).values(), 0)
        time.sleep(0.5)
    daemon.send(signal.SIGTERM)
    assert daemon.wait(20) == 0
    wait_until(lambda: not query(database_url, "SELECT 1 FROM crawl_runs WHERE status = 'running'"), 60, "runs to end")
    for worker in workers:
        worker.send(signal.SIGTERM)
        assert worker.wait(20) == 0, worker.tail()

    for name, publisher in zip(names, publishers, strict=True):
        rows = [row for row in runs(database_url, name) if row["status"] != "skipped"]
        assert len(ended_runs(database_url, name)) >= 4, (name, rows)
        assert {row["status"] for row in rows} <= {"finished", "degraded"}, rows
        assert all(row["scheduled_for"] is not None for row in rows)
        assert_no_overlap(rows)
        stored = {url for (url,) in query(database_url, "SELECT url FROM articles WHERE source = %s", name)}
        assert stored == {record["url"] for record in publisher.site.expected_records(publisher.base_url)}
    workers_used = {row["worker"] for row in runs(database_url)}
    assert workers_used <= {"worker-0", "worker-1", "worker-2"}
    assert len(workers_used) >= 2, workers_used
    # Stored once: no article has a second version (nothing changed), whichever worker crawled it.
    assert query(database_url, "SELECT count(*) FROM article_versions WHERE version > 1") == [(0,)]
    assert most_waiting <= 1
    for index in range(3):  # every host's WARCs are closed and its own
        assert not list((tmp_path / f"host{index}").rglob("*.open"))
    assert not list((tmp_path / "scheduler" / "data").rglob("*.warc.gz"))  # the daemon crawled nothing itself


def test_a_killed_worker_has_its_run_retried_elsewhere_within_the_bound(
    tmp_path: Path, database_url: str, publishers, processes: list[DaemonProcess]
) -> None:
    publisher = publishers[0]
    slow = source_toml("news", publisher.base_url, YEARLY, slow_seconds=120)
    quick = source_toml("news", publisher.base_url, YEARLY)
    start(processes, host_config(tmp_path / "scheduler", database_url, quick), "daemon")
    doomed = start_worker(processes, host_config(tmp_path / "host-a", database_url, slow), "worker-a")
    first = wait_until(lambda: running_run(database_url, "news"), 60, "worker-a to start the catch-up run")
    assert first["worker"] == "worker-a"
    crawl_pid = int(doomed.wait_for_log(r"crawl process (\d+) started").group(1))
    wait_until(lambda: "/feed/" in publisher.paths(), 60, "the crawl to fetch the feed")

    start_worker(processes, host_config(tmp_path / "host-b", database_url, quick), "worker-b")
    doomed.send(signal.SIGKILL)
    killed_at = time.monotonic()
    doomed.wait(10)
    wait_until(lambda: process_gone(crawl_pid), 30, "the killed worker's crawl to die with it")

    def retried() -> dict | None:
        return next((r for r in runs(database_url, "news") if r["worker"] == "worker-b"), None)

    retry = wait_until(retried, STALL_BOUND + 30, "worker-b to take the stalled job")
    waited = time.monotonic() - killed_at
    print(f"killed worker's run retried after {waited:.1f}s (bound {STALL_BOUND:.0f}s)")
    assert waited <= STALL_BOUND + 5
    wait_until(lambda: ended_runs(database_url, "news")[-1:] and retried()["status"] != "running", 90, "the retry")

    dead, again = runs(database_url, "news")
    assert dead["id"] == first["id"] and dead["status"] == "cancelled"
    assert "worker-a died mid-run" in dead["error"]
    assert again["id"] == retry["id"] and again["status"] == "finished", again
    stored = {url for (url,) in query(database_url, "SELECT url FROM articles WHERE source = 'news'")}
    assert stored == {record["url"] for record in publisher.site.expected_records(publisher.base_url)}
    [(attempts,)] = query(database_url, "SELECT max(attempts) FROM procrastinate_jobs") or [(None,)]
    assert attempts in (None, 1)  # the job itself is deleted on success; if kept, it was retried once
    assert list((tmp_path / "host-a").rglob("*.open")), "the dead host's WARC waits for that host's next run"


def test_a_run_longer_than_its_interval_keeps_at_most_one_waiting_job(
    tmp_path: Path, database_url: str, publishers, processes: list[DaemonProcess]
) -> None:
    sources = source_toml("slow", publishers[0].base_url, "3s", slow_seconds=20)
    daemon = start(processes, host_config(tmp_path / "scheduler", database_url, sources), "daemon")
    worker = start_worker(processes, host_config(tmp_path / "host", database_url, sources), "worker-1")
    wait_until(lambda: running_run(database_url, "slow"), 60, "the first run")
    samples = []
    deadline = time.monotonic() + 10  # three more ticks of 3 s while the first run is still running
    while time.monotonic() < deadline:
        samples.append(waiting_jobs(database_url).get("slow", 0))
        time.sleep(0.25)
    assert max(samples) == 1, samples
    assert daemon.logged(r"run of slow not enqueued: one is already waiting \(coalesced\)")
    [running] = [row for row in runs(database_url, "slow") if row["status"] == "running"]
    assert running["worker"] == "worker-1"
    worker.send(signal.SIGTERM)
    assert worker.wait(20) == 0
    assert running_run(database_url, "slow") is None  # cancelled within stop_timeout, no new run taken
    assert not list((tmp_path / "host").rglob("*.open"))


def test_crawl_enqueue_queues_once_and_a_worker_runs_it(
    tmp_path: Path, database_url: str, publishers, processes: list[DaemonProcess]
) -> None:
    from tests.support.cli import run_cli

    publisher = publishers[0]
    config = host_config(tmp_path / "host", database_url, source_toml("news", publisher.base_url, YEARLY))
    first = run_cli(config, "crawl", "--enqueue", "news")
    second = run_cli(config, "crawl", "--enqueue", "news")
    assert first.returncode == 0 and "queued as job" in first.stdout, first.stderr
    assert second.returncode == 0 and "already queued (coalesced)" in second.stdout, second.stderr
    start_worker(processes, config, "worker-1")
    wait_until(lambda: ended_runs(database_url, "news", trigger="manual"), 90, "the queued run")
    [row] = runs(database_url, "news")
    assert (row["status"], row["worker"], row["trigger"]) == ("finished", "worker-1", "manual")
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'").fetchone() == (0,)


def test_a_worker_that_loses_the_database_waits_and_resumes(
    tmp_path: Path, database_url: str, database_proxy, publishers, processes: list[DaemonProcess]
) -> None:
    from tests.support.cli import run_cli

    publisher = publishers[0]
    sources = source_toml("news", publisher.base_url, YEARLY)
    worker = start_worker(processes, host_config(tmp_path / "host", database_proxy.url, sources), "worker-1")
    worker.wait_for_log(r"worker worker-1 taking runs", timeout=60)
    database_proxy.down()
    # procrastinate's listener and pool reconnect by themselves; our loop restarts the worker if they give up.
    worker.wait_for_log(r"Database error|error connecting|lost the queue database|the queue stopped", timeout=60)
    time.sleep(12)  # longer than a heartbeat is allowed to be missing
    database_proxy.up()
    assert worker.alive()
    config = host_config(tmp_path / "enqueuer", database_url, sources)
    assert run_cli(config, "crawl", "--enqueue", "news").returncode == 0
    wait_until(lambda: ended_runs(database_url, "news", trigger="manual"), 120, "the run queued after the outage")
    [row] = runs(database_url, "news")
    assert (row["status"], row["worker"]) == ("finished", "worker-1")
