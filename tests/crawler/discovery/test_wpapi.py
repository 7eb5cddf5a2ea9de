"""The WordPress REST API post listing."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.discovery.wpapi import NotAPostListing, parse_posts, posts_url, total_pages
from tests.crawler.discovery.samples import SITE, WP_POSTS


def test_posts_url_first_page_without_since():
    url = posts_url(SITE)

    parts = urlsplit(url)
    assert parts.path == "/wp-json/wp/v2/posts"
    assert parse_qs(parts.query) == {"per_page": ["100"], "_fields": ["id,link,date_gmt,modified_gmt"]}


def test_posts_url_later_page_after_since_in_utc():
    since = datetime(2024, 7, 13, 10, 0, tzinfo=UTC)

    query = parse_qs(urlsplit(posts_url(SITE, page=3, after=since)).query)

    assert query["page"] == ["3"]
    assert query["after"] == ["2024-07-13T10:00:00Z"], "without an offset WordPress reads site time"


def test_posts_url_date_window_for_a_backfill():
    after, before = datetime(2019, 1, 1, tzinfo=UTC), datetime(2019, 4, 1, 4, 30, tzinfo=UTC)

    query = parse_qs(urlsplit(posts_url(SITE, after=after, before=before)).query)

    assert (query["after"], query["before"]) == (["2019-01-01T00:00:00Z"], ["2019-04-01T04:30:00Z"])


def test_posts_link_and_gmt_dates():
    first, second = parse_posts(WP_POSTS)

    assert first.url == SITE + "talks-resume-in-doha-over-prisoner-exchange-54360001/"
    assert first.modified == datetime(2024, 7, 13, 6, 45, tzinfo=UTC)
    assert first.published == datetime(2024, 7, 13, 5, 0, tzinfo=UTC)
    assert second.modified is None


@pytest.mark.parametrize("body", [b"<html>theme page</html>", b'{"code": "rest_no_route"}', b"\xff"])
def test_not_a_listing(body):
    with pytest.raises(NotAPostListing):
        parse_posts(body)


def test_total_pages_header():
    assert total_pages({"X-WP-TotalPages": "7"}) == 7
    assert total_pages({"x-wp-totalpages": "0"}) == 1
    assert total_pages({"X-WP-TotalPages": "many"}) == 1
    assert total_pages({}) == 1
