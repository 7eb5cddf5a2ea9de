"""RSS and Atom feeds parsed into entry URLs and dates."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.discovery.feeds import feed_page_url, parse_feed
from tests.crawler.discovery.samples import ATOM, RSS, SITE


def test_rss_entries_with_utc_dates_and_wordpress_generator():
    feed = parse_feed(RSS, SITE + "feed/", "application/rss+xml; charset=UTF-8")

    assert [entry.url for entry in feed.entries] == [
        SITE + "talks-resume-in-doha-over-prisoner-exchange-54360001/",
        SITE + "floods-hit-northern-provinces-54360002/",
    ]
    assert feed.entries[0].published == datetime(2024, 7, 13, 5, 0, tzinfo=UTC)
    assert feed.is_wordpress


def test_atom_relative_link_resolved_against_feed_url():
    feed = parse_feed(ATOM, "https://blog.example-news.test/atom.xml")

    [entry] = feed.entries
    assert entry.url == "https://blog.example-news.test/2024/07/13/relative-link-entry/"
    assert entry.modified == datetime(2024, 7, 13, 10, 0, tzinfo=UTC)
    assert entry.published == datetime(2024, 7, 13, 6, 0, tzinfo=UTC)
    assert entry.latest == entry.modified
    assert not feed.is_wordpress


def test_html_page_is_no_feed():
    feed = parse_feed(b"<html><body><a href='/x'>x</a></body></html>", SITE + "feed/")

    assert feed.entries == ()


def test_body_naming_a_local_file_is_not_opened(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(RSS)

    assert parse_feed(str(secret).encode(), SITE + "feed/").entries == ()


def test_wordpress_feed_pages():
    assert feed_page_url(SITE + "feed/", 2) == SITE + "feed/?paged=2"
    assert feed_page_url(SITE + "feed/?paged=2", 3) == SITE + "feed/?paged=3"
