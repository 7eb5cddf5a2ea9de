"""The reading room's sources table and runs list say a run that is still going is running, not that it found 0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from starlette.testclient import TestClient

from crawler import statkeys
from crawler.storage import runs
from crawler.storage.articles import ArticleStore
from scheduler.web import create_app
from tests.crawler.storage.test_articles import item


def test_a_running_run_shows_the_articles_stored_so_far(database_url: str) -> None:
    now = datetime.now(UTC)
    with psycopg.connect(database_url, autocommit=True) as conn:
        done = runs.start_run(conn, "khaama", "cron", started_at=now - timedelta(hours=2))
        runs.finish_run(conn, done, "finished", stats={statkeys.ARTICLES_NEW: 7})
        runs.start_run(conn, "khaama", "cron", started_at=now - timedelta(minutes=5))  # no stats until it ends
        store = ArticleStore(conn)
        store.store_many([item(url=f"https://example.org/{n}/", seen_at=now - timedelta(minutes=n)) for n in (1, 2)])

    with TestClient(create_app(database_url)) as client:
        source = client.get("/api/").json()["sources"][0]
        home = client.get("/").text
        listed = client.get("/api/runs").json()["page"]["rows"]
        runs_page = client.get("/runs").text

    assert (source["name"], source["status"], source["running"]) == ("khaama", "running", True)
    assert source["new_articles"] == 2  # the two stored since it started: not 0, not the last run's 7
    assert "<td>2 so far</td>" in home
    assert [(run["status"], run["pages"], run["new_articles"]) for run in listed] == [
        ("running", None, None),
        ("finished", 0, 7),
    ]
    running_row = next(row for row in runs_page.split("<tr>") if 'class="status-running"' in row)
    assert "<td>0</td>" not in running_row  # neither 0 pages nor 0 new articles claimed while it runs
