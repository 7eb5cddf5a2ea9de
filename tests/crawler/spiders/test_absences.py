"""Remembered absences: a discovered page or the API that keeps answering 404 is probed on a decaying schedule.

The spider's side in memory (no reactor); the whole loop through real crawls of the replica, ten incremental runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, Response

from crawler.config import load_config
from crawler.spiders import KhaamaSpider
from crawler.spiders.absences import RETRY_AFTER, AbsencePolicy, next_try_at
from crawler.storage.absences import Absence
from replica import ReplicaPublisher, ReplicaSite
from replica.faults import missing
from scheduler.jobs import RunRequest, SourceRunner
from tests.crawler.spiders._support import SITE, build_spider, example_source, respond, start_requests, stats
from tests.crawler.spiders.test_news import fail, http_error
from tests.support.cli import query, replica_source_toml, run_cli, write_config

NOW = datetime(2024, 7, 13, 12, 0, tzinfo=UTC)
PAGE_2 = SITE + "page/2/"
API = SITE + "wp-json/wp/v2/posts"


def absence(url: str, misses: int, tried: datetime, kind: str = "listing") -> Absence:
    return Absence(url, kind, 404, misses, tried, tried, next_try_at(misses, tried))


def test_the_schedule_waits_after_the_second_miss_and_decays_to_a_week():
    assert next_try_at(1, NOW) == NOW  # one 404 may be a passing fault: asked again next run
    waits = [next_try_at(misses, NOW) - NOW for misses in range(2, 9)]
    assert waits == [*RETRY_AFTER, RETRY_AFTER[-1], RETRY_AFTER[-1]]
    assert waits == sorted(waits) and waits[-1] == timedelta(days=7)  # never given up


def test_a_miss_counts_up_and_an_answer_forgets():
    remembered = [absence(PAGE_2, 1, NOW - timedelta(minutes=5)), absence(API, 3, NOW - timedelta(days=1))]
    policy = AbsencePolicy(remembered, now=NOW)
    assert policy.due(PAGE_2, "listing") and policy.due(API, "api")  # both due (API: 6 h after its third miss)
    policy.answered(PAGE_2, 404, absent=True)
    policy.answered(API, 200, absent=False)
    policy.answered(SITE + "feed/?paged=2", 503, absent=False)  # a 5xx says nothing either way

    changes = policy.changes()
    assert [(a.url, a.misses, a.next_try_at) for a in changes.missed] == [(PAGE_2, 2, NOW + RETRY_AFTER[0])]
    assert changes.found == [API]


def test_a_200_that_is_not_what_was_asked_is_a_miss():
    policy = AbsencePolicy()
    policy.due(API, "api")
    policy.answered(API, 200, absent=False)  # response_received comes first ...
    policy.missed(API, 200)  # ... then the callback finds a theme's page, not a post listing
    assert [(a.url, a.status, a.misses) for a in policy.changes().missed] == [(API, 200, 1)]
    assert policy.changes().found == []


def test_a_remembered_page_link_is_not_followed_until_due():
    waiting = absence(PAGE_2, 2, datetime.now(UTC))
    spider = build_spider(example_source(), absences=[waiting])
    listing = next(r for r in start_requests(spider) if r.meta["page_kind"] == "listing")
    html = f'<html><body><a href="{PAGE_2}">2</a><a href="{SITE}page/3/">3</a></body></html>'.encode()

    found = respond(listing, html, cls=HtmlResponse)

    assert [r.url for r in found if isinstance(r, Request) and r.meta["page_kind"] == "listing"] == [SITE + "page/3/"]
    assert stats(spider)["newsarchive/spider/absent_skipped/listing"] == 1


def test_a_site_without_the_api_is_not_asked_every_run():
    spider = build_spider(example_source(), KhaamaSpider, absences=[absence(API, 2, datetime.now(UTC), "api")])
    assert "api" not in [r.meta["page_kind"] for r in start_requests(spider)]

    due = build_spider(
        example_source(), KhaamaSpider, absences=[absence(API, 2, datetime.now(UTC) - timedelta(days=1))]
    )
    [api] = [r for r in start_requests(due) if r.meta["page_kind"] == "api"]
    assert api.meta["absence_key"] == API  # one memory for the endpoint, whatever the run's `after`


def test_a_discovered_404_is_the_sites_state_a_configured_one_an_error():
    spider = build_spider(example_source())
    listing = next(r for r in start_requests(spider) if r.meta["page_kind"] == "listing")
    [page_2] = [
        r for r in respond(listing, f'<a href="{PAGE_2}">2</a>'.encode(), cls=HtmlResponse) if isinstance(r, Request)
    ]
    fail(page_2, http_error(page_2, 404))
    assert stats(spider)["newsarchive/spider/absent/listing"] == 1
    assert not any(key.startswith("newsarchive/spider/fetch_errors") for key in stats(spider))

    feed = next(r for r in start_requests(spider) if r.meta["page_kind"] == "feed")
    assert "absence_key" not in feed.meta  # configured: asked on every run, never remembered away
    fail(feed, http_error(feed, 404))
    assert stats(spider)["newsarchive/spider/fetch_errors/feed"] == 1
    assert stats(spider)["newsarchive/spider/entry_point_errors"] == 1
    assert stats(spider)["newsarchive/spider/first_fetch_error"] == f"feed {SITE}feed/: HTTP 404"


def test_the_signal_hook_records_what_a_probe_answered():
    spider = build_spider(example_source(), KhaamaSpider)
    [api] = [r for r in start_requests(spider) if r.meta["page_kind"] == "api"]
    spider.absence_answered(Response(api.url, status=404, request=api), api)
    assert [(a.url, a.kind, a.status) for a in spider.absences.changes().missed] == [(API, "api", 404)]


@pytest.fixture
def quirky_site() -> Iterator[ReplicaPublisher]:
    """A publisher whose home page links a ``/page/2/`` that is not there, and without the WordPress API."""
    with ReplicaPublisher(ReplicaSite(), mounts=[missing("/page/"), missing("/wp-json")]) as publisher:
        yield publisher


def test_ten_incremental_runs_are_finished_and_ask_the_missing_pages_rarely(
    tmp_path: Path, database_url: str, quirky_site: ReplicaPublisher
) -> None:
    config_path = write_config(tmp_path, database_url, replica_source_toml(quirky_site.base_url))
    config = load_config(str(config_path))
    source = config.source("replica")
    runner = SourceRunner(config, log_level="WARNING", log_format="json", forked=True)
    verdicts, asked = [], []
    for _ in range(11):  # the first run, then ten incremental ones
        quirky_site.clear_requests()
        result = runner.run(RunRequest(source, "manual"))
        verdicts.append((result.status, result.error))
        paths = [entry.path.split("?")[0] for entry in quirky_site.requests]
        asked.append(("/page/2/" in paths, "/wp-json/wp/v2/posts" in paths))

    assert verdicts == [("finished", None)] * 11
    # Asked on the first run and once more (one 404 may be a passing fault), then only when due (in an hour).
    assert asked == [(True, True), (True, True)] + [(False, False)] * 9

    stats = query(database_url, "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0][0]
    assert stats["newsarchive/spider/absent_skipped/listing"] == 1
    assert stats["newsarchive/spider/absent_skipped/api"] == 1
    status = run_cli(config_path, "status", "--json", timeout=60)
    [entry] = [e for e in json.loads(status.stdout) if e["name"] == "replica"]
    absent = {a["url"].removeprefix(quirky_site.base_url): a for a in entry["absent"]}
    assert set(absent) == {"/page/2/", "/wp-json/wp/v2/posts"}
    assert {(a["kind"], a["status"], a["misses"]) for a in absent.values()} == {("listing", 404, 2), ("api", 404, 2)}
    waits = [datetime.fromisoformat(a["next_try_at"]) - datetime.now(UTC) for a in absent.values()]
    assert all(timedelta(minutes=50) < wait <= RETRY_AFTER[0] for wait in waits)
