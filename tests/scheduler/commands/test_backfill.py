"""``newsarchive backfill`` end to end: ten years of a replica publisher, killed half way, resumed, never starving."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from replica import ReplicaSite
from tests.support.cli import query, replica_source_toml, run_cli, start_cli, wait_for, write_config
from tests.support.processes import reaped

ARTICLES = 3000
BACKFILL = ["backfill", "replica", "--since", "2014-01-01", "--until", "2024-08-01", "--window", "365d",
            "--batch", "300"]  # fmt: skip


@pytest.fixture
def replica_site() -> ReplicaSite:
    """3,000 posts, one every ~29 hours: back to March 2014."""
    return ReplicaSite(ARTICLES, spacing=5)


def stored(database_url: str) -> int:
    return query(database_url, "SELECT count(*) FROM article_records WHERE source = 'replica'")[0][0]


def test_backfill_killed_half_way_resumes_fetching_nothing_twice_and_lets_a_scheduled_run_in(
    tmp_path: Path, database_url: str, publisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fast extraction mode: this test is about what is fetched and stored, not about extraction quality.
    monkeypatch.setenv("NEWSARCHIVE_SCRAPY_SETTINGS", json.dumps({"NEWSARCHIVE_EXTRACT_MODE": "fast"}))
    config = write_config(tmp_path, database_url, replica_source_toml(publisher.base_url))

    with reaped(start_cli(config, *BACKFILL)) as first:
        wait_for(lambda: stored(database_url) >= ARTICLES // 2, what="half the back catalogue stored", timeout=600)
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=120)
    assert first.returncode == 1, err[-3000:]
    assert "run the same command to resume" in out
    half = stored(database_url)
    assert ARTICLES // 2 <= half < ARTICLES
    status = run_cli(config, "status", "--json")
    (entry,) = [entry for entry in json.loads(status.stdout) if entry["name"] == "replica"]
    assert entry["backfill"]["finished_at"] is None and entry["backfill"]["articles"] == half

    with reaped(start_cli(config, *BACKFILL)) as second:
        batches_before = query(database_url, "SELECT count(*) FROM crawl_runs WHERE trigger = 'backfill'")[0][0]
        last_id = query(database_url, "SELECT max(id) FROM crawl_runs")[0][0]
        running = "SELECT count(*) FROM crawl_runs WHERE trigger = 'backfill' AND status = 'running' AND id > %s"
        wait_for(lambda: query(database_url, running, last_id)[0][0], what="a batch of the resumed back-fill running")
        scheduled = run_cli(config, "crawl", "replica", "--trigger", "cron", timeout=600)
        out, err = second.communicate(timeout=900)
    assert second.returncode == 0, err[-3000:]
    assert "resuming back-fill" in err and " done: " in out

    assert scheduled.returncode == 0, scheduled.stderr[-3000:]
    cron = "SELECT status, (stats ->> 'newsarchive/articles/new')::int FROM crawl_runs WHERE trigger = 'cron'"
    ((status, cron_new),) = query(database_url, cron)
    assert status == "finished", "the scheduled run went in between two batches, it did not skip"

    assert stored(database_url) == ARTICLES
    twice = query(
        database_url,
        "SELECT url, count(*) FROM captures WHERE page_kind = 'article' AND record_type = 'response'"
        " GROUP BY url HAVING count(*) > 1",
    )
    assert twice == [], "no article is fetched twice across the kill"
    ((phase, articles, finished),) = query(
        database_url, "SELECT phase, articles, finished_at IS NOT NULL FROM backfills"
    )
    assert (phase, finished) == ("done", True)
    assert articles == ARTICLES - cron_new, "the back-fill stored the rest (a first scheduled run walks all it lists)"
    ((runs, cancelled),) = query(
        database_url,
        "SELECT count(*), count(*) FILTER (WHERE status = 'cancelled') FROM crawl_runs WHERE trigger = 'backfill'",
    )
    assert runs > batches_before >= (ARTICLES // 2) // 300 and cancelled == 1, "batches, one cut off by the kill"
