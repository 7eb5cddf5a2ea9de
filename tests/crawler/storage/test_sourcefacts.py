"""The last-run facts of every source, as `status` and the reading room both show them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler import statkeys
from crawler.config import SourceConfig
from crawler.storage import runs
from crawler.storage.articles import ArticleStore
from crawler.storage.reading import ConnectionReader
from crawler.storage.sourcefacts import source_facts
from tests.crawler.storage.test_articles import item

T0 = datetime(2024, 7, 13, tzinfo=UTC)


def test_the_last_run_its_articles_and_the_last_success(db_conn):
    first = runs.start_run(db_conn, "khaama", "cron", started_at=T0)
    runs.finish_run(db_conn, first, "finished", stats={statkeys.ARTICLES_NEW: 2, statkeys.ARTICLES_UPDATED: 1})
    second = runs.start_run(db_conn, "khaama", "cron", started_at=T0 + timedelta(hours=1))
    runs.finish_run(db_conn, second, "failed", error="boom", stats={statkeys.ARTICLES_NEW: 0})
    ArticleStore(db_conn).store_many([item(url="https://example.org/a/"), item(url="https://example.org/b/")])

    facts = source_facts(ConnectionReader(db_conn))
    assert set(facts) == {"khaama"}
    khaama = facts["khaama"]
    last = khaama.last_run
    assert (last.id, last.status, last.error, last.new_articles, last.running) == (second, "failed", "boom", 0, False)
    assert khaama.last_success_at == T0 and khaama.first_run_at == T0
    assert khaama.articles == 2 and khaama.last_new_article_at == item().seen_at


def test_a_running_run_counts_the_articles_stored_so_far(db_conn):
    done = runs.start_run(db_conn, "khaama", "cron", started_at=T0 - timedelta(days=1))
    runs.finish_run(db_conn, done, "finished", stats={statkeys.ARTICLES_NEW: 5})
    runs.start_run(db_conn, "khaama", "cron", started_at=T0 + timedelta(hours=1))  # going on: no stats yet
    ArticleStore(db_conn).store_many(
        [
            item(url="https://example.org/old/", seen_at=T0),
            item(url="https://example.org/new/", seen_at=T0 + timedelta(hours=2)),
        ]
    )

    last = source_facts(ConnectionReader(db_conn))["khaama"].last_run
    assert last.running and last.finished_at is None
    assert last.new_articles == 1  # first seen since the run started, not 0 and not the previous run's 5


def test_skipped_runs_are_no_first_run_and_configured_sources_are_listed(db_conn):
    runs.register_source(db_conn, SourceConfig(name="quiet", start_urls=("https://example.org/",)))
    runs.record_skipped(db_conn, "busy", "cron", "another run holds the lock")

    facts = source_facts(ConnectionReader(db_conn))
    assert list(facts) == ["busy", "quiet"]
    assert facts["busy"].last_run.status == "skipped" and facts["busy"].first_run_at is None
    assert facts["quiet"].last_run is None and facts["quiet"].articles == 0
