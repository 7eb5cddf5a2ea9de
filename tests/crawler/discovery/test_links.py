"""Article URL heuristics and listing pagination for section pages."""

from __future__ import annotations

import re

import pytest

from crawler.discovery.links import (
    host_allowed,
    html_selector,
    is_excluded_path,
    looks_like_article,
    page_links,
    pagination_links,
)
from tests.crawler.discovery.samples import LISTING, SITE


@pytest.mark.parametrize(
    "url",
    [
        SITE + "nato-us-to-decide-troops-pullout-as-an-alliance-blinken-54353566/",
        SITE + "2024/07/13/markets/",
        SITE + "news/54353566",
        SITE + "world/asia/floods-hit-northern-provinces.html",
    ],
)
def test_article_like(url):
    assert looks_like_article(url)


@pytest.mark.parametrize(
    "url",
    [
        SITE,
        SITE + "category/afghanistan/",
        SITE + "tag/taliban/",
        SITE + "author/khaama-press/",
        SITE + "page/2/",
        SITE + "feed/",
        SITE + "wp-content/uploads/2024/07/photo-of-the-day.jpg",
        SITE + "wp-login.php",
        SITE + "about-us/",
        SITE + "nato-us-to-decide-troops-pullout-54353566/amp/",
        SITE + "some-long-article-slug/?paged=2",
        "mailto:desk@example-news.test",
    ],
)
def test_not_article_like(url):
    assert not looks_like_article(url)


def test_configured_pattern_decides():
    pattern = re.compile(r"/story/\d+$")

    assert looks_like_article(SITE + "story/12", pattern)
    assert not looks_like_article(SITE + "nato-us-to-decide-troops-pullout-as-an-alliance-blinken-54353566/", pattern)


def test_excluded_paths():
    assert is_excluded_path(SITE + "category/x/")
    assert not is_excluded_path(SITE + "short/")


def test_host_allowed_includes_subdomains():
    assert host_allowed("https://www.example-news.test/a", ["example-news.test"])
    assert host_allowed("https://example-news.test/a", ["example-news.test"])
    assert not host_allowed("https://notexample-news.test/a", ["example-news.test"])
    assert not host_allowed("https://example-news.test.evil.test/a", ["example-news.test"])
    assert host_allowed("https://anything.test/a", [])
    assert not host_allowed("ftp://www.example-news.test/a", ["example-news.test"])
    assert not host_allowed("file:///etc/passwd", [])


def test_page_links_absolute_without_fragments_deduplicated():
    found = page_links(html_selector(LISTING), SITE + "category/afghanistan/")

    assert SITE + "talks-resume-in-doha-over-prisoner-exchange-54360001/" in found
    assert "https://other-site.test/some-long-article-slug-here-1234567/" in found
    assert not any(url.startswith("mailto:") or "#" in url for url in found)
    assert len(found) == len(set(found))


def test_pagination_links_rel_next_and_wordpress_pages():
    found = pagination_links(html_selector(LISTING), SITE + "category/afghanistan/")

    assert found == [SITE + "category/afghanistan/page/2/", SITE + "category/afghanistan/page/3/"]


def test_pagination_never_leaves_the_site_or_the_web():
    page = b"""<html><head><link rel="next" href="file:///etc/passwd"></head><body>
    <a rel="next" href="https://other-site.test/page/2/">next</a><a href="https://other-site.test/page/3/">3</a>
    <a href="/page/2/#top">2</a></body></html>"""

    assert pagination_links(html_selector(page), SITE) == [SITE + "page/2/"]
