"""The news spider against a misbehaving publisher: repeated feed pages, truncated pages, off-site redirects."""

from __future__ import annotations

import pytest
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request

from tests.crawler.discovery.samples import RSS
from tests.crawler.spiders._support import (
    ARTICLE_PAGE,
    SITE,
    build_spider,
    example_source,
    respond,
    start_requests,
    stats,
)


def feed_request(spider):
    return next(request for request in start_requests(spider) if request.meta["page_kind"] == "feed")


def test_a_feed_page_that_repeats_the_last_one_ends_the_paging() -> None:
    """A server that ignores ``?paged`` serves page 1 forever: page 2 brings nothing new, so no page 3."""
    spider = build_spider(example_source())
    [page2] = [r for r in respond(feed_request(spider), RSS) if r.meta["page_kind"] == "feed"]
    assert [r for r in respond(page2, RSS) if r.meta["page_kind"] == "feed"] == []


@pytest.mark.parametrize("flag", ["dataloss", "download_stopped"])
def test_a_truncated_article_page_is_not_extracted(flag: str) -> None:
    spider = build_spider(example_source(), extract_mode="fast")
    request = spider.request(SITE + "talks-resume-54360001/", "article", spider.parse_article)
    response = HtmlResponse(request.url, body=ARTICLE_PAGE, request=request, flags=[flag])
    assert spider.parse_article(response) == []
    assert stats(spider)["newsarchive/spider/truncated_article"] == 1


def offsite(spider) -> OffsiteMiddleware:
    middleware = OffsiteMiddleware.from_crawler(spider.crawler)
    middleware.spider_opened(spider)
    return middleware


def test_redirects_off_the_source_are_refused_and_configured_hosts_kept() -> None:
    source = example_source(feeds=(SITE + "feed/", "https://feeds.example-cdn.test/news.rss"))
    spider = build_spider(source)
    middleware = offsite(spider)
    for url in (SITE + "a-1/", "https://cdn.example-news.test/x", "https://feeds.example-cdn.test/news.rss?page=2"):
        middleware.process_request(Request(url))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("http://offsite.example/news/moved-elsewhere-12345/"))


def test_without_allowed_domains_nothing_is_offsite() -> None:
    spider = build_spider(example_source(allowed_domains=()))
    offsite(spider).process_request(Request("http://offsite.example/news/moved-elsewhere-12345/"))
