"""The daemon applies retention and makes partitions ahead on its own, as soon as it leads, with no command run."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.storage import partitions, runs
from crawler.storage.captures import CaptureStore
from crawler.storage.database import connect
from tests.crawler.storage.test_partitions import every_kind_of_record
from tests.scheduler.daemon_process import DaemonProcess, daemon_config, source_toml, wait_until


def test_a_leading_daemon_forgets_old_listing_captures_and_run_months(tmp_path: Path, database_url: str) -> None:
    now = datetime.now(UTC)
    old = now - timedelta(days=200)
    with connect(database_url, autocommit=True) as conn:
        CaptureStore(conn).add_captures(list(every_kind_of_record(old).values()))
        CaptureStore(conn).add_captures(list(every_kind_of_record(now, start=2).values()))
        old_run = runs.start_run(conn, "replica", "cron", started_at=old)
        runs.finish_run(conn, old_run, "finished", stats={})
        old_month = f"crawl_runs_{old:%Y_%m}"
        # The migration made three months ahead of its day; the daemon keeps that true as time passes.
        conn.execute(f"DROP TABLE {partitions.partitions(conn, 'captures')[-1].name}")
    schedule = "0 0 1 1 *"  # not due while the test runs
    retention = '[retention]\nlisting_captures = "30d"\nruns = "90d"\n'
    config = daemon_config(
        tmp_path / "newsarchive.toml",
        database_url,
        source_toml("replica", "http://127.0.0.1:9", schedule),
        extra=retention,
    )
    daemon = DaemonProcess(config, tmp_path / "daemon.log").start()
    try:
        wait_until(lambda: daemon.logged("database maintenance: "), 60, "the maintenance pass")
        with connect(database_url) as conn:
            kinds = dict(conn.execute("SELECT page_kind, count(*) FROM captures GROUP BY 1").fetchall())
            names = {part.name for part in partitions.partitions(conn, "crawl_runs")}
            captures = {part.name for part in partitions.partitions(conn, "captures")}
            left = [row[0] for row in conn.execute("SELECT id FROM crawl_runs WHERE id = %s", [old_run])]
        assert kinds == {"article": 4, "imported": 2, "render": 2, "feed": 1, "requisite": 8}  # the old feed row went
        assert old_month not in names and left == []
        ahead = partitions.add_months(partitions.month_start(now), 2)
        assert f"captures_{ahead:%Y_%m}" in captures
        daemon.send(signal.SIGTERM)
        assert daemon.wait(30) == 0
    finally:
        daemon.stop()
