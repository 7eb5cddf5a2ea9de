"""The generic news spider's request generation, driven by in-memory responses (no reactor)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError
from twisted.python.failure import Failure

from crawler.discovery.frontpage import FrontPage
from crawler.spiders import KhaamaSpider, NewsSpider, spider_class
from tests.crawler.discovery.samples import (
    GZIP_URLSET,
    LISTING,
    NEWS_SITEMAP,
    ROBOTS,
    RSS,
    SELF_INDEX,
    SITEMAP_INDEX,
    URLSET,
    WP_POSTS,
)
from tests.crawler.spiders._support import (
    ARTICLE_PAGE,
    SITE,
    build_spider,
    example_source,
    respond,
    start_requests,
    stats,
)

TALKS = SITE + "talks-resume-in-doha-over-prisoner-exchange-54360001/"
FLOODS = SITE + "floods-hit-northern-provinces-54360002/"


def kinds(requests: list[Any]) -> list[str]:
    return [request.meta["page_kind"] for request in requests if isinstance(request, Request)]


def urls(requests: list[Any], kind: str | None = None) -> list[str]:
    found = [request for request in requests if isinstance(request, Request)]  # a start page also yields its links
    return [request.url for request in found if kind is None or request.meta["page_kind"] == kind]


def request_for(spider: NewsSpider, kind: str) -> Request:
    return next(request for request in start_requests(spider) if request.meta["page_kind"] == kind)


def fail(request: Request, error: Exception) -> list[Request]:
    failure = Failure(error)
    failure.request = request  # as Scrapy's scraper sets it before calling an errback
    return list(request.errback(failure) or ())


def http_error(request: Request, status: int) -> HttpError:
    return HttpError(Response(request.url, status=status, request=request), "Ignoring non-200 response")


def test_registry():
    assert spider_class("news") is NewsSpider
    assert spider_class("khaama") is KhaamaSpider
    with pytest.raises(KeyError):
        spider_class("nope")


def test_start_requests_cover_every_configured_input():
    spider = build_spider(example_source(sitemaps=(SITE + "news-sitemap.xml",)))

    requests = start_requests(spider)

    assert [(request.meta["page_kind"], request.url) for request in requests] == [
        ("robots", SITE + "robots.txt"),
        ("feed", SITE + "feed/"),
        ("sitemap", SITE + "news-sitemap.xml"),
        ("listing", SITE),
    ]
    assert all(request.meta["source"] == "example" for request in requests)
    assert all(request.errback == spider.on_error for request in requests)


def test_khaama_spider_adds_the_wordpress_api():
    spider = build_spider(example_source(), KhaamaSpider)

    api = request_for(spider, "api")

    assert urlsplit(api.url).path == "/wp-json/wp/v2/posts"
    assert "after" not in parse_qs(urlsplit(api.url).query)


def test_news_spider_uses_the_api_when_the_source_says_so():
    assert "api" in kinds(start_requests(build_spider(example_source(wp_api=True))))
    assert "api" not in kinds(start_requests(build_spider(example_source())))


def test_robots_sitemaps_requested():
    spider = build_spider(example_source())

    found = respond(request_for(spider, "robots"), ROBOTS, cls=Response)

    assert urls(found) == [SITE + "sitemap_index.xml", SITE + "news-sitemap.xml"]
    assert kinds(found) == ["sitemap", "sitemap"]
    assert stats(spider)["newsarchive/discovery/robots"] == 2


@pytest.mark.parametrize(("status", "body"), [(200, b"User-agent: *\nDisallow:\n"), (404, b"Not found")])
def test_without_robots_sitemaps_the_wordpress_fallbacks_are_optional(status, body):
    spider = build_spider(example_source())

    found = respond(request_for(spider, "robots"), body, status=status, cls=Response)

    assert urls(found) == [SITE + "wp-sitemap.xml", SITE + "sitemap_index.xml"]
    fail(found[0], http_error(found[0], 404))
    assert stats(spider)["newsarchive/spider/absent/sitemap"] >= 1
    assert not any(key.startswith("newsarchive/spider/fetch_errors") for key in stats(spider))


def test_failed_robots_counted_and_fallbacks_still_tried():
    spider = build_spider(example_source())
    robots = request_for(spider, "robots")

    found = fail(robots, http_error(robots, 503))

    assert urls(found) == [SITE + "wp-sitemap.xml", SITE + "sitemap_index.xml"]
    assert stats(spider)["newsarchive/spider/fetch_errors/robots"] == 1


def test_configured_sitemap_replaces_the_fallbacks():
    spider = build_spider(example_source(sitemaps=(SITE + "news-sitemap.xml",)))

    assert respond(request_for(spider, "robots"), b"Not found", status=404, cls=Response) == []


def test_sitemap_index_follows_article_sitemaps_only_and_never_loops():
    spider = build_spider(example_source(sitemaps=(SITE + "sitemap_index.xml",)))
    index = request_for(spider, "sitemap")

    followed = respond(index, SITEMAP_INDEX)
    assert urls(followed) == [SITE + "post-sitemap.xml", SITE + "post-sitemap2.xml.gz"]
    assert all(request.meta["sitemap_depth"] == 1 for request in followed)

    again = respond(index, SELF_INDEX)
    assert again == []
    assert stats(spider)["newsarchive/spider/sitemap_loop"] == 2


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        (datetime(2024, 7, 20, tzinfo=UTC), ["post-sitemap2.xml.gz"]),
        (datetime(2024, 7, 14, tzinfo=UTC), ["post-sitemap.xml", "post-sitemap2.xml.gz"]),  # within the margin
        (None, ["post-sitemap.xml", "post-sitemap2.xml.gz"]),
    ],
)
def test_sub_sitemaps_unchanged_since_the_last_run_are_skipped(since, expected):
    spider = build_spider(example_source(), since=since)

    found = respond(spider.sitemap_request(SITE + "sitemap_index.xml", depth=0), SITEMAP_INDEX)

    assert urls(found) == [SITE + name for name in expected]


def test_since_defaults_to_the_newest_capture():
    newest = datetime(2024, 7, 20, tzinfo=UTC)
    spider = build_spider(example_source(), KhaamaSpider, known={TALKS: newest - timedelta(days=9), FLOODS: newest})

    assert spider.incremental.since == newest
    assert parse_qs(urlsplit(request_for(spider, "api").url).query)["after"] == ["2024-07-18T00:00:00Z"]


def test_sitemaps_outside_the_web_are_never_requested():
    spider = build_spider(example_source())
    hostile = SITEMAP_INDEX.replace(SITE.encode() + b"post-sitemap.xml", b"file:///etc/passwd")

    assert respond(request_for(spider, "robots"), b"Sitemap: file:///etc/shadow\n", cls=Response) == []
    assert urls(respond(spider.sitemap_request(SITE + "sitemap_index.xml", 0), hostile)) == [
        SITE + "post-sitemap2.xml.gz"
    ]


def test_sitemap_depth_is_capped():
    spider = build_spider(example_source())
    deep = spider.sitemap_request(SITE + "deep-sitemap.xml", depth=spider.max_sitemap_depth)

    assert respond(deep, SITEMAP_INDEX) == []
    assert stats(spider)["newsarchive/spider/sitemap_too_deep"] == 5


def test_urlset_and_gzip_urlset_give_article_requests():
    spider = build_spider(example_source())
    sitemap = spider.sitemap_request(SITE + "post-sitemap2.xml.gz", depth=1)

    found = respond(sitemap, GZIP_URLSET)

    assert urls(found, "article") == [TALKS, SITE + "older-story-from-last-year-54300000/"]
    assert found[0].callback == spider.parse_article
    assert found[0].priority < sitemap.priority
    assert stats(spider)["newsarchive/discovery/sitemap"] == 2
    assert stats(spider)["newsarchive/spider/articles_requested"] == 2


def test_known_articles_skipped_unless_changed_since_capture():
    captured = datetime(2024, 7, 13, 6, 0, tzinfo=UTC)
    older = SITE + "older-story-from-last-year-54300000/"
    spider = build_spider(example_source(), known={TALKS: captured, older: captured})

    found = respond(spider.sitemap_request(SITE + "post-sitemap.xml", depth=1), URLSET)

    # TALKS' lastmod (06:45 UTC) is after its capture; the older story has not changed since.
    assert urls(found) == [TALKS]
    assert stats(spider)["newsarchive/spider/skipped_known"] == 1


def test_known_article_from_a_listing_without_dates_is_skipped():
    spider = build_spider(example_source(), known={TALKS: datetime(2024, 7, 13, tzinfo=UTC)})

    found = respond(request_for(spider, "listing"), LISTING)

    assert TALKS not in urls(found)
    assert FLOODS in urls(found)


def test_revisit_window_refetches_young_articles():
    published = datetime.now(UTC) - timedelta(hours=2)
    young = SITE + "breaking-news-story-here-54360003/"
    body = NEWS_SITEMAP.replace(b"2024-07-13T12:00:00+04:30", published.isoformat().encode())
    known = {young: datetime.now(UTC) - timedelta(hours=1)}
    sitemap_url = SITE + "news-sitemap.xml"

    eager = build_spider(example_source(revisit_window=48 * 3600), known=known)
    lazy = build_spider(example_source(), known=known)

    assert urls(respond(eager.sitemap_request(sitemap_url, 0), body)) == [young]
    assert urls(respond(lazy.sitemap_request(sitemap_url, 0), body)) == []


def test_an_article_found_twice_is_requested_once():
    spider = build_spider(example_source(), KhaamaSpider)

    from_feed = respond(request_for(spider, "feed"), RSS)
    from_api = respond(request_for(spider, "api"), WP_POSTS, headers={"X-WP-TotalPages": "1"})

    assert urls(from_feed, "article") == [TALKS, FLOODS]
    assert urls(from_api, "article") == [SITE + "api-only-story-about-trade-54360004/"]
    assert stats(spider)["newsarchive/discovery/api"] == 2


def test_wordpress_feed_pages_while_catching_up():
    spider = build_spider(example_source())

    found = respond(request_for(spider, "feed"), RSS)

    [next_page] = [request for request in found if request.meta["page_kind"] == "feed"]
    assert next_page.url == SITE + "feed/?paged=2"
    assert next_page.meta["optional_statuses"] == (404, 410)
    assert respond(next_page, RSS.replace(b"54360001", b"1").replace(b"54360002", b"2"))[-1].url.endswith("paged=3")


def test_feed_paging_stops_at_a_known_article_and_at_the_bound():
    caught_up = build_spider(example_source(), known={FLOODS: datetime(2024, 7, 12, 19, 0, tzinfo=UTC)})
    assert "feed" not in kinds(respond(request_for(caught_up, "feed"), RSS))

    spider = build_spider(example_source())
    last = spider.request(SITE + "feed/?paged=10", "feed", spider.parse_feed, feed_url=SITE + "feed/", feed_page=10)
    assert "feed" not in kinds(respond(last, RSS))


def test_feeds_and_sitemaps_are_conditional_on_changes_since_the_last_run():
    source = example_source(sitemaps=(SITE + "news-sitemap.xml",))
    spider = build_spider(source, since=datetime(2024, 7, 20, tzinfo=UTC))
    requests = {request.meta["page_kind"]: request for request in start_requests(spider)}

    for kind in ("feed", "sitemap"):
        assert requests[kind].headers["If-Modified-Since"] == b"Thu, 18 Jul 2024 00:00:00 GMT"
        assert respond(requests[kind], b"", status=304, cls=Response) == []
        assert stats(spider)[f"newsarchive/spider/not_modified/{kind}"] == 1
    assert b"If-Modified-Since" not in requests["listing"].headers
    assert b"If-Modified-Since" not in request_for(build_spider(example_source()), "feed").headers


def test_api_pages_from_total_pages_header_after_newest_capture():
    captured = datetime(2024, 7, 13, 6, 0, tzinfo=UTC)
    spider = build_spider(example_source(), KhaamaSpider, known={FLOODS: captured})
    first = request_for(spider, "api")

    found = respond(first, WP_POSTS, headers={"X-WP-TotalPages": "3"})

    pages = [request for request in found if request.meta["page_kind"] == "api"]
    assert [parse_qs(urlsplit(request.url).query)["page"] for request in pages] == [["2"], ["3"]]
    assert parse_qs(urlsplit(first.url).query)["after"] == ["2024-07-11T06:00:00Z"]
    assert respond(pages[0], WP_POSTS, headers={"X-WP-TotalPages": "3"}) == []


def test_api_disabled_is_not_an_error():
    spider = build_spider(example_source(), KhaamaSpider)
    api = request_for(spider, "api")

    fail(api, http_error(api, 404))
    assert respond(api, b"<html>theme 404 page</html>", cls=HtmlResponse) == []

    assert stats(spider)["newsarchive/spider/absent/api"] == 2
    assert not any(key.startswith("newsarchive/spider/fetch_errors") for key in stats(spider))


def test_fetch_errors_counted_per_page_kind():
    spider = build_spider(example_source())
    feed = request_for(spider, "feed")

    fail(feed, http_error(feed, 500))
    fail(feed, ConnectionRefusedError())

    assert stats(spider)["newsarchive/spider/fetch_errors/feed"] == 2


def test_listing_follows_article_links_on_site_and_pagination_to_a_bound():
    spider = build_spider(example_source())
    listing = request_for(spider, "listing")

    found = respond(listing, LISTING)

    assert urls(found, "article") == [TALKS, FLOODS, "https://example-news.test/2024/07/12/markets/"]
    assert [request.meta["listing_depth"] for request in found if kinds([request]) == ["listing"]] == [1, 1]
    deepest = spider.request(SITE + "page/2/", "listing", spider.parse_listing, listing_depth=spider.max_listing_depth)
    assert "listing" not in kinds(respond(deepest, LISTING))


def test_a_start_page_yields_its_front_page_links_and_its_next_pages_do_not():
    spider = build_spider(example_source())
    listing = request_for(spider, "listing")
    assert listing.meta["front_page"] is True

    pages = [item for item in respond(listing, LISTING) if isinstance(item, FrontPage)]

    assert len(pages) == 1 and pages[0].source == "example" and pages[0].url == SITE
    assert stats(spider)["newsarchive/spider/front_pages"] == 1
    assert [(link.rank, link.url, link.text) for link in pages[0].links] == [
        (1, TALKS, "Talks resume"),
        (2, FLOODS, "Floods"),
        (3, "https://example-news.test/2024/07/12/markets/", "Markets"),
    ]
    next_page = next(request for request in respond(listing, LISTING) if kinds([request]) == ["listing"])
    assert "front_page" not in next_page.meta
    assert not [item for item in respond(next_page, LISTING) if isinstance(item, FrontPage)]


def test_listing_uses_the_configured_article_pattern():
    spider = build_spider(example_source(article_url_pattern=r"/\d{4}/\d\d/\d\d/"))

    found = respond(request_for(spider, "listing"), LISTING)

    assert urls(found, "article") == ["https://example-news.test/2024/07/12/markets/"]


def test_articles_outside_allowed_domains_are_dropped():
    spider = build_spider(example_source(allowed_domains=("elsewhere.test",)))

    assert urls(respond(request_for(spider, "feed"), RSS), "article") == []
    assert stats(spider)["newsarchive/spider/filtered"] == 2


def test_max_articles_caps_the_run():
    spider = build_spider(example_source(max_articles=1))

    found = respond(request_for(spider, "feed"), RSS)

    assert urls(found) == [TALKS]
    assert stats(spider)["newsarchive/spider/max_articles_reached"] == 1


def article_request(spider: NewsSpider, url: str = TALKS + "?utm_source=feed") -> Request:
    return spider.request(url, "article", spider.parse_article, priority=0)


def test_article_item_with_capture_identity_and_time():
    spider = build_spider(example_source(), extract_mode="fast")
    request = article_request(spider)
    captured = datetime(2024, 7, 13, 8, 0, 1, tzinfo=UTC)
    request.meta.update(warc_record_id="<urn:uuid:0b6f6d0c-1111-4a3b-9c1e-123456789abc>", warc_date=captured)

    [item] = respond(request, ARTICLE_PAGE, headers={"Content-Type": "text/html; charset=utf-8"})

    assert item.source == "example"
    assert item.fetched_url == TALKS + "?utm_source=feed"
    assert item.article.url == TALKS
    assert item.article.title == "Talks resume in Doha over prisoner exchange"
    assert item.article.extractor.startswith("fast/")
    assert item.warc_record_id == "<urn:uuid:0b6f6d0c-1111-4a3b-9c1e-123456789abc>"
    assert item.seen_at == captured


def test_seen_at_falls_back_to_the_date_header():
    spider = build_spider(example_source())
    headers = {"Content-Type": "text/html", "Date": "Sat, 13 Jul 2024 08:00:00 GMT"}

    [item] = respond(article_request(spider), ARTICLE_PAGE, headers=headers)

    assert item.seen_at == datetime(2024, 7, 13, 8, 0, tzinfo=UTC)
    assert item.warc_record_id is None


def test_page_without_an_article_counted_not_yielded():
    spider = build_spider(example_source())

    assert respond(article_request(spider, SITE), LISTING) == []
    assert respond(article_request(spider, SITE + "file-123456"), b"%PDF-1.4 binary", cls=Response) == []
    assert stats(spider)["newsarchive/spider/not_article"] == 2
