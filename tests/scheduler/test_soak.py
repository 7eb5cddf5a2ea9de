"""Soak: the daemon with 10 sources on 1-minute schedules and 2 concurrent crawls for about three minutes.

No overlap, every source at least twice, no scheduled minute without its run, and the daemon's RSS, open file
descriptors and database connections flat from the first minute to the last. Measurements are printed (``-s``).
"""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.scheduler.daemon_process import (
    DaemonProcess,
    assert_no_overlap,
    daemon_config,
    runs,
    source_toml,
    wait_until,
)

SOURCES = [f"s{index}" for index in range(10)]
SOAK_SECONDS = 180
RSS_GROWTH_LIMIT = 15 * 2**20
FD_GROWTH_LIMIT = 4


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def database_connections(database_url: str) -> int:
    """Sessions on the test's database other than this probe: taken while no crawl runs, they are the daemon's."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()[0]


def sample(database_url: str, pid: int) -> dict[str, int]:
    return {"rss": rss_bytes(pid), "fds": open_fds(pid), "db_connections": database_connections(database_url)}


def idle_sample(database_url: str, daemon: DaemonProcess) -> dict[str, int]:
    """A sample taken while no crawl runs, so per-run connections and pipes do not blur the comparison."""

    def idle() -> dict[str, int] | None:
        if any(r["status"] == "running" for r in runs(database_url)):
            return None
        return sample(database_url, daemon.pid)

    return wait_until(idle, 60, "a moment with no crawl running", interval=0.1)


@pytest.mark.slow
@pytest.mark.timeout(SOAK_SECONDS + 240)
def test_soak_ten_sources_every_minute(tmp_path: Path, database_url: str, publisher) -> None:
    sources = "".join(source_toml(name, publisher.base_url, "* * * * *") for name in SOURCES)
    config = daemon_config(tmp_path / "newsarchive.toml", database_url, sources, max_concurrent=2)
    daemon = DaemonProcess(config, tmp_path / "daemon.log").start()
    try:
        started = datetime.now(UTC)
        # The first samples after the catch-up round, when imports, pools and caches have settled.
        wait_until(lambda: len([r for r in runs(database_url) if r["status"] != "running"]) >= 10, 120, "catch-up")
        first = idle_sample(database_url, daemon)
        wait_until(lambda: datetime.now(UTC) >= started + timedelta(seconds=SOAK_SECONDS), SOAK_SECONDS + 5, "soak")
        last = idle_sample(database_url, daemon)
        stop_started = time.monotonic()
        daemon.send(signal.SIGTERM)
        assert daemon.wait(20) == 0, daemon.tail()
        stop_seconds = time.monotonic() - stop_started
        ended = datetime.now(UTC)
    finally:
        daemon.stop()

    all_runs = runs(database_url)
    report = {
        "runs": len(all_runs),
        "statuses": sorted({r["status"] for r in all_runs}),
        "first": first,
        "last": last,
        "stop_seconds": round(stop_seconds, 2),
        "missed_log_lines": len(daemon.logged(r"was missed by|maximum number of running instances")),
    }
    print("soak:", json.dumps(report))
    for name in SOURCES:
        mine = [r for r in all_runs if r["source"] == name]
        assert len(mine) >= 2, (name, mine)
        assert_no_overlap(mine)
        assert all(r["status"] in ("finished", "degraded", "cancelled") for r in mine), mine
        assert_every_minute_ran(name, mine, started, ended)
    assert last["rss"] - first["rss"] < RSS_GROWTH_LIMIT, report
    assert last["fds"] - first["fds"] <= FD_GROWTH_LIMIT, report
    assert last["db_connections"] <= first["db_connections"], report
    assert not list((tmp_path / "data").rglob("*.open"))


def assert_every_minute_ran(name: str, rows: list[dict], started: datetime, ended: datetime) -> None:
    """No scheduled minute lost: at each tick the source was being crawled, or a run started within that minute.

    A tick that finds the previous run still going is skipped by design (no overlap, like ``Forbid``); a tick
    that finds the pool busy waits in the queue, within the misfire grace.
    """
    tick = (started + timedelta(minutes=1)).replace(second=0, microsecond=0)
    while tick + timedelta(seconds=60) <= ended:
        ran = any(
            tick <= r["started_at"] < tick + timedelta(seconds=60) or r["started_at"] <= tick < r["finished_at"]
            for r in rows
        )
        assert ran, (name, tick, [(r["started_at"], r["finished_at"]) for r in rows])
        tick += timedelta(minutes=1)
