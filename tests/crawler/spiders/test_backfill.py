"""What a back-fill batch walks: which listed articles and which sub-sitemaps belong to its date window."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.config import parse_config
from crawler.discovery.entries import Discovered
from crawler.run.spec import RunSpec
from crawler.spiders import KhaamaSpider, NewsSpider
from crawler.spiders.backfill import BackfillScope, BatchWindow, month_in_url
from tests.crawler.spiders._support import SITE, build_spider, example_source, start_requests

WINDOW = BatchWindow("lists", datetime(2019, 1, 1, tzinfo=UTC), datetime(2019, 7, 1, tzinfo=UTC), batch=100)
URL = "https://news.example/a/"


def at(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


@pytest.mark.parametrize(
    ("entry", "inside"),
    [
        (Discovered(URL, published=at(2019, 3, 5)), True),
        (Discovered(URL, published=at(2019, 7, 1)), False),  # the end is exclusive
        (Discovered(URL, published=at(2018, 12, 31)), False),
        (Discovered(URL, published=at(2018, 12, 31), modified=at(2019, 3, 1)), False),  # published decides
        (Discovered(URL, modified=at(2018, 12, 1)), False),  # changed last before the window: published before it
        (Discovered(URL, modified=at(2024, 5, 1)), True),  # an old article edited lately may be from the window
        (Discovered(URL), True),  # undated: fetched once, known afterwards
    ],
)
def test_window_holds_an_article_by_publication_else_by_last_change(entry: Discovered, inside: bool) -> None:
    assert WINDOW.holds(entry) is inside


@pytest.mark.parametrize(
    ("url", "month"),
    [
        ("https://news.example/sitemap-2019-03.xml", (2019, 3)),
        ("https://news.example/sitemap/2019/03/", (2019, 3)),
        ("https://news.example/sitemap-pt-post-2019-11.xml", (2019, 11)),
        ("https://news.example/post-sitemap2.xml", None),
        ("https://news.example/sitemap.xml?yyyy=2019&mm=13", None),
        ("https://2019-03.example/sitemap.xml", None),  # a host is not a date
    ],
)
def test_month_in_a_sitemap_url(url: str, month: tuple[int, int] | None) -> None:
    assert month_in_url(url) == month


def test_dated_sub_sitemaps_outside_the_window_are_not_fetched() -> None:
    assert WINDOW.may_list(Discovered("https://news.example/sitemap-2019-06.xml"))
    assert not WINDOW.may_list(Discovered("https://news.example/sitemap-2019-07.xml"))
    assert not WINDOW.may_list(Discovered("https://news.example/sitemap-2018-12.xml", modified=at(2024, 1, 1)))
    december = BatchWindow("lists", at(2019, 12, 15), at(2020, 1, 1), batch=1)
    assert december.may_list(Discovered("https://news.example/sitemap-2019-12.xml"))


def test_undated_sub_sitemaps_are_judged_by_their_lastmod() -> None:
    assert not WINDOW.may_list(Discovered("https://news.example/post-sitemap3.xml", modified=at(2018, 6, 1)))
    assert WINDOW.may_list(Discovered("https://news.example/post-sitemap2.xml", modified=at(2020, 6, 1)))
    assert WINDOW.may_list(Discovered("https://news.example/post-sitemap.xml"))


def test_a_site_spider_given_a_backfill_scope_keeps_its_rules_and_walks_the_window() -> None:
    api = BatchWindow("api", at(2019, 1, 1), at(2019, 7, 1), batch=100)
    spider = build_spider(example_source(), KhaamaSpider, scope=BackfillScope(api))
    assert type(spider) is KhaamaSpider and spider.name == "khaama" and spider.force_wp_api
    requests = start_requests(spider)
    assert [request.meta["page_kind"] for request in requests] == ["api"]
    assert "after=2019-01-01" in requests[0].url and "before=2019-07-01" in requests[0].url
    assert not spider.rechecks
    lists = build_spider(example_source(), NewsSpider, scope=BackfillScope(WINDOW))
    assert [request.url for request in start_requests(lists)] == [SITE + "robots.txt", SITE + "feed/"]


def test_window_round_trips_through_the_run_spec(tmp_path: Path) -> None:
    assert BatchWindow.from_dict(WINDOW.to_dict()) == WINDOW
    config = parse_config({"storage": {"data_dir": str(tmp_path)}, "sources": [{"name": "s", "start_urls": [URL]}]})
    path = tmp_path / "spec.json"
    RunSpec.for_source(config, config.source("s"), run_id=1, database_url="", backfill=WINDOW).dump(path)
    loaded = RunSpec.load(path)
    assert loaded.backfill == WINDOW  # the child gets the typed window, as the parent sent it
    assert loaded.log_format is None  # not decided here: the child's logging decides, as its parent's did
