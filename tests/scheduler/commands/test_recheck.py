"""Re-checks end to end: an article edited three times (one trivial, two real) is caught by its schedule alone."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from crawler.warc.reader import read_capture_rows
from tests.support.cli import query, replica_source_toml, run_cli, write_config

STEPS = '["3s", "6s", "1h"]'


def crawl(config: Path, database_url: str) -> dict:
    """One run of the replica source; its stats."""
    result = run_cli(config, "crawl", "replica")
    assert result.returncode == 0, result.stderr[-3000:]
    ((stats,),) = query(database_url, "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")
    return stats


def wait_until_due(database_url: str, url: str) -> None:
    ((due,),) = query(database_url, "SELECT next_check_at FROM article_records WHERE url = %s", url)
    assert due is not None, "the article has no re-check due"
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.2)


def test_rechecks_catch_each_edit_class_it_and_reset_the_schedule_on_real_ones(
    tmp_path: Path, database_url: str, publisher
) -> None:
    # Requisites off: steps of seconds leave no room for the theme's files fetched after the articles (the run's
    # end would pass the 6 s step, and the schedule would move on to the hour).
    sources = replica_source_toml(publisher.base_url, requisites=False) + f"recheck = {STEPS}\n"
    config = write_config(tmp_path, database_url, sources)
    site = publisher.site
    first = crawl(config, database_url)
    assert first["newsarchive/articles/new"] == len(site.articles)
    url = publisher.base_url + site.article_path(site.articles[0])
    paragraphs = list(site.articles[0].paragraphs)
    others = len(site.articles) - 1

    edits = [
        ("trivial", "stamp", [*paragraphs, "Updated 10:42"]),
        ("substantive", "body", [paragraphs[0] + " Officials later corrected the figure.", *paragraphs[1:]]),
        ("substantive", "body", [paragraphs[0] + " Officials later withdrew the figure.", *paragraphs[1:]]),
    ]
    for number, (_, _, new_paragraphs) in enumerate(edits, start=2):
        site.update_article(0, paragraphs=new_paragraphs)
        wait_until_due(database_url, url)
        stats = crawl(config, database_url)
        assert stats["newsarchive/articles/updated"] == 1, stats
        ((version, seen_at, base, step),) = query(
            database_url,
            "SELECT r.current_version, v.seen_at, r.recheck_base, r.recheck_step FROM article_records r"
            " JOIN article_versions v ON v.article_id = r.id AND v.version = r.current_version WHERE r.url = %s",
            url,
        )
        assert version == number
        kind = edits[number - 2][0]
        if kind == "substantive":
            assert (base, step) == (seen_at, 0), "a real edit starts the schedule again from its sighting"
        else:
            assert base < seen_at and step >= 1, "noise moves the schedule on"
        if number == 2:
            # The other articles were due too: asked "changed since?", answered 304, archived, not extracted.
            assert stats["newsarchive/spider/rechecks_requested"] == len(site.articles)
            assert stats["newsarchive/spider/not_modified/article"] == others
            assert stats.get("newsarchive/articles/unchanged", 0) == 0

    classes = query(
        database_url,
        "SELECT v.version, v.change_class, v.change_rule FROM article_versions v JOIN article_records r"
        " ON r.id = v.article_id WHERE r.url = %s ORDER BY v.version",
        url,
    )
    assert classes == [(1, None, None)] + [(n, kind, rule) for n, (kind, rule, _) in enumerate(edits, start=2)]
    # Archived (no captures row: nothing reads a 304, crawler.storage.capturerule).
    rows = [row for path in (tmp_path / "data" / "archive").rglob("*.warc.gz") for row in read_capture_rows(path)]
    not_modified = [row for row in rows if row.page_kind == "article" and row.status == 304]
    assert len(not_modified) >= others
    ((etag,),) = query(database_url, "SELECT etag FROM article_records WHERE url = %s", url)
    assert etag and etag.startswith('"')


def test_an_empty_recheck_list_turns_rechecks_off(tmp_path: Path, database_url: str, publisher) -> None:
    config = write_config(tmp_path, database_url, replica_source_toml(publisher.base_url) + "recheck = []\n")
    assert run_cli(config, "crawl", "replica").returncode == 0
    assert query(database_url, "SELECT count(*) FROM article_records WHERE next_check_at IS NOT NULL") == [(0,)]
    listed = [json.loads(line) for line in run_cli(config, "sources", "--json").stdout.splitlines()]
    assert [entry["recheck"] for entry in listed if entry["name"] == "replica"] == [[]]
