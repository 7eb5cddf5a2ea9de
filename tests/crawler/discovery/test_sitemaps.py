"""Sitemaps: robots.txt lines, indexes, urlsets, gzip by magic bytes, Google News dates, bombs."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from crawler.discovery.sitemaps import (
    SitemapTooLarge,
    fallback_sitemap_urls,
    gunzip_bounded,
    lists_articles,
    parse_sitemap,
    sitemap_urls_from_robots,
)
from tests.crawler.discovery.samples import GZIP_URLSET, NEWS_SITEMAP, ROBOTS, SITE, SITEMAP_INDEX, URLSET


def test_robots_sitemap_lines_absolute_and_case_insensitive():
    assert sitemap_urls_from_robots(ROBOTS, SITE + "robots.txt") == [
        SITE + "sitemap_index.xml",
        SITE + "news-sitemap.xml",
    ]


def test_robots_without_sitemaps():
    assert sitemap_urls_from_robots(b"User-agent: *\nDisallow:\n", SITE + "robots.txt") == []


def test_sitemap_index():
    sitemap = parse_sitemap(SITEMAP_INDEX)

    assert sitemap.kind == "sitemapindex"
    assert len(sitemap.entries) == 5
    assert sitemap.entries[0].url == SITE + "post-sitemap.xml"
    assert sitemap.entries[0].modified == datetime(2024, 7, 13, 10, 0, tzinfo=UTC)


def test_urlset_lastmod_to_utc_and_image_loc_ignored():
    sitemap = parse_sitemap(URLSET)

    assert sitemap.kind == "urlset"
    assert [entry.url for entry in sitemap.entries] == [
        SITE + "talks-resume-in-doha-over-prisoner-exchange-54360001/",
        SITE + "older-story-from-last-year-54300000/",
    ]
    assert sitemap.entries[0].modified == datetime(2024, 7, 13, 6, 45, tzinfo=UTC)
    assert sitemap.entries[1].modified == datetime(2023, 5, 2, tzinfo=UTC)


def test_gzip_recognised_by_magic_bytes():
    assert parse_sitemap(GZIP_URLSET) == parse_sitemap(URLSET)


def test_google_news_publication_date():
    [entry] = parse_sitemap(NEWS_SITEMAP).entries

    assert entry.url == SITE + "breaking-news-story-here-54360003/"
    assert entry.published == datetime(2024, 7, 13, 7, 30, tzinfo=UTC)
    assert entry.modified is None


@pytest.mark.parametrize("body", [b"", b"<html><body>Not found</body></html>", b"<rss version='2.0'/>", b"\x00\x01"])
def test_not_a_sitemap(body):
    assert parse_sitemap(body).kind == ""


def test_gzip_bomb_refused():
    bomb = gzip.compress(b"<urlset>" + b" " * 5000 + b"</urlset>")

    with pytest.raises(SitemapTooLarge):
        gunzip_bounded(bomb, limit=1000)


def test_truncated_gzip_gives_what_it_holds():
    assert gunzip_bounded(GZIP_URLSET[: len(GZIP_URLSET) // 2]).startswith(b"<?xml")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("post-sitemap.xml", True),
        ("post-sitemap2.xml", True),
        ("news-sitemap.xml.gz", True),
        ("wp-sitemap-posts-post-1.xml", True),
        ("sitemap-2024-07.xml", True),
        ("page-sitemap.xml", False),
        ("wp-sitemap-posts-page-1.xml", False),
        ("category-sitemap.xml", False),
        ("post_tag-sitemap.xml", False),
        ("author-sitemap.xml", False),
        ("wp-sitemap-users-1.xml", False),
        ("wp-sitemap-taxonomies-category-1.xml", False),
    ],
)
def test_sub_sitemaps_that_list_articles(url, expected):
    assert lists_articles(SITE + url) is expected


def test_fallbacks_are_wordpress_and_yoast_indexes():
    assert fallback_sitemap_urls(SITE + "robots.txt") == [SITE + "wp-sitemap.xml", SITE + "sitemap_index.xml"]
