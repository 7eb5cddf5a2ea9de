"""Soak (slow, about 3 minutes): the daemon with 10 sources every minute and 2 crawls at a time, watched for drift.

Each source has its own replica publisher (articles are per source). Checked: no run of a source overlaps another of
the same source, never more than 2 crawls at once, every source ran at least twice, every minute's firing of every
source started within the misfire grace (none missed), and the daemon's RSS, open file descriptors and database
connections at the end are where they were after the first round (both sampled with no crawl running).

The schedule checks start after the first round: it fetches every article of every site (about 15 s of CPU-bound
crawl each) and so takes longer than the minute; a catch-up run that waits past the grace is dropped, and the
source runs at its next firing.
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest

from replica import ReplicaPublisher, ReplicaSite
from tests.scheduler.daemon_process import (
    DaemonProcess,
    assert_no_overlap,
    daemon_config,
    runs,
    source_toml,
    wait_until,
)
from tests.support.cli import query

SOURCES = 10
SOAK_SECONDS = 150
"""Watched after the first round (a catch-up of every source, full crawls: 10 to 75 s on 2 cores)."""
GRACE = 50.0
"""Misfire grace (s): a round of 10 crawls, 2 at a time, must have started every crawl within it."""

pytestmark = [pytest.mark.slow, pytest.mark.timeout(SOAK_SECONDS + 300)]


@pytest.fixture
def publishers() -> Iterator[list[ReplicaPublisher]]:
    with ExitStack() as stack:
        yield [stack.enter_context(ReplicaPublisher(ReplicaSite())) for _ in range(SOURCES)]


def sample(daemon: DaemonProcess, database_url: str) -> dict[str, Any]:
    process = psutil.Process(daemon.pid)
    dbname = database_url.rsplit("/", 1)[1]
    connections = query(
        database_url, "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", dbname
    )[0][0]
    return {"rss_mb": process.memory_info().rss / 2**20, "fds": process.num_fds(), "db_connections": connections}


def idle(database_url: str) -> bool:
    return not query(database_url, "SELECT 1 FROM crawl_runs WHERE status = 'running' LIMIT 1")


def max_concurrency(rows: list[dict[str, Any]]) -> int:
    # A run that ends at the instant another starts does not overlap it: ends sort first.
    events = sorted([(row["started_at"], 1) for row in rows] + [(row["finished_at"], -1) for row in rows])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def acceptable(row: dict[str, Any]) -> bool:
    if row["status"] == "finished":
        return True
    return row["status"] == "degraded" and bool(re.fullmatch(r"1 of \d+ requests failed \(.+\)", row["error"] or ""))


def minute_boundaries(start: datetime, end: datetime) -> list[datetime]:
    first = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return [first + timedelta(minutes=i) for i in range(int((end - first).total_seconds() // 60) + 1)]


def test_daemon_soak(tmp_path: Path, database_url: str, publishers: list[ReplicaPublisher]) -> None:
    names = [f"soak{i}" for i in range(SOURCES)]
    sources = "".join(
        source_toml(name, publisher.base_url, "* * * * *") for name, publisher in zip(names, publishers, strict=True)
    )
    config = daemon_config(
        tmp_path / "newsarchive.toml", database_url, sources, max_concurrent=2, misfire_grace=f"{GRACE:g}s"
    )
    daemon = DaemonProcess(config, tmp_path / "daemon.log").start()
    try:
        started = datetime.now().astimezone()
        wait_until(
            lambda: all(runs(database_url, name) for name in names) and idle(database_url), 200, "the first round"
        )
        baseline = sample(daemon, database_url)
        steady = datetime.now().astimezone()
        soak_end = time.monotonic() + SOAK_SECONDS
        while time.monotonic() < soak_end:
            assert daemon.alive(), daemon.tail()
            time.sleep(1)
        wait_until(lambda: idle(database_url), 120, "the last round to finish")
        end = sample(daemon, database_url)
        ended = datetime.now().astimezone()
        daemon.send(signal.SIGTERM)
        assert daemon.wait(30) == 0, daemon.tail()
    finally:
        daemon.stop()

    rows = [row for row in runs(database_url) if row["trigger"] == "daemon"]
    report = {"baseline": baseline, "end": end, "runs": len(rows), "max_concurrency": max_concurrency(rows)}
    report["first_round_seconds"] = (steady - started).total_seconds()
    (tmp_path / "soak.json").write_text(json.dumps(report, default=str), encoding="utf-8")
    print("soak:", json.dumps(report, default=str))

    assert report["max_concurrency"] <= 2
    # The replica's feed lists a removed story (404): on an incremental run that is 1 of about 8 requests, over the
    # 10 % fetch-error tolerance, so such runs are ``degraded`` for that reason and no other.
    unexpected = [(r["source"], r["status"], r["error"]) for r in rows if not acceptable(r)]
    assert unexpected == []
    for name in names:
        mine = [row for row in rows if row["source"] == name]
        assert len(mine) >= 2, name
        assert_no_overlap(mine)
        # Every minute the daemon was up (but the last, which may still be queued), a run started within the grace.
        for boundary in minute_boundaries(steady, ended - timedelta(seconds=GRACE)):
            window = [r for r in mine if boundary <= r["started_at"] <= boundary + timedelta(seconds=GRACE)]
            assert window, f"{name}: the run due at {boundary:%H:%M} is missing"
    missed = [m for m in daemon.messages() if "was missed by" in m.get("message", "")]
    assert not [m for m in missed if datetime.fromisoformat(m["time"]) > steady], missed

    assert end["fds"] <= baseline["fds"] + 3, report
    assert end["rss_mb"] <= baseline["rss_mb"] * 1.25 + 10, report
    assert end["db_connections"] <= baseline["db_connections"], report
