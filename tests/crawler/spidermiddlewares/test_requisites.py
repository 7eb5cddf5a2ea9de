"""The requisites middleware on in-memory responses: what it asks for, what it leaves alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from scrapy import Spider
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler.config.schema import SourceConfig
from crawler.extract.article import Article
from crawler.items import ArticleItem
from crawler.spidermiddlewares.requisites import RequisitesMiddleware
from crawler.spiders.requisites import RequisiteCallbacks
from crawler.storage.requisites import ArchivedRequisite

PAGE = "https://news.example/story-1/"
HTML = b"""<html><head><link rel="stylesheet" href="/s.css"><script src="https://www.googletagmanager.com/gtm.js">
</script></head><body><img src="/a.png"></body></html>"""


class StubSpider(RequisiteCallbacks, Spider):
    name = "stub"

    def __init__(self, source: SourceConfig, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source = source


def middleware(**source: object) -> RequisitesMiddleware:
    crawler = get_crawler(StubSpider)
    spider = StubSpider(SourceConfig(name="s", feeds=("https://news.example/feed/",), **source))
    spider.crawler = crawler
    crawler.spider = spider
    found = RequisitesMiddleware.from_crawler(crawler)
    found.spider_opened(spider)
    return found


def response(kind: str, body: bytes = HTML, url: str = PAGE, cls: type = HtmlResponse) -> TextResponse:
    request = Request(url, meta={"page_kind": kind})
    return cls(url, body=body, request=request, headers={"Content-Type": "text/html"})


def item(image: str) -> ArticleItem:
    return ArticleItem(Article(PAGE, image_url=image), "s", PAGE, None, datetime.now(UTC))


def test_an_article_asks_for_its_requisites_and_the_records_image():
    mw = middleware()
    out = list(mw.process_spider_output(response("article"), [item("https://img.example/lead.jpg")]))

    requests = [element for element in out if isinstance(element, Request)]
    assert isinstance(out[0], ArticleItem)
    assert [r.url for r in requests] == [
        "https://news.example/s.css",
        "https://news.example/a.png",
        "https://img.example/lead.jpg",
    ]
    assert all(r.meta["page_kind"] == "requisite" and r.meta["allow_offsite"] for r in requests)
    assert requests[0].callback.__name__ == "parse_requisite" and requests[0].priority < 0
    assert mw.stats.get_value("newsarchive/requisites/excluded") == 1  # the tag manager


def test_the_async_path_asks_the_same():
    mw = middleware()

    async def results():
        yield item("https://img.example/lead.jpg")

    async def collect():
        return [element async for element in mw.process_spider_output_async(response("listing"), results())]

    assert len([element for element in asyncio.run(collect()) if isinstance(element, Request)]) == 3


def test_feeds_and_other_kinds_ask_for_nothing_and_each_url_is_asked_once():
    mw = middleware()
    assert list(mw.process_spider_output(response("feed"), [])) == []
    first = list(mw.process_spider_output(response("listing"), []))
    again = list(mw.process_spider_output(response("article", url="https://news.example/story-2/"), []))
    assert len(first) == 2 and again == []


def test_fresh_ones_are_skipped_and_stale_ones_revalidated():
    mw = middleware(requisites_fresh_for=3600.0)
    now = datetime.now(UTC)
    mw.archived = {
        "https://news.example/s.css": ArchivedRequisite(now - timedelta(minutes=5), None),
        "https://news.example/a.png": ArchivedRequisite(now - timedelta(hours=5), None),
    }
    out = list(mw.process_spider_output(response("article"), []))
    assert [r.url for r in out] == ["https://news.example/a.png"]
    assert mw.stats.get_value("newsarchive/requisites/fresh") == 1
    assert mw.stats.get_value("newsarchive/requisites/revalidated") == 1


def test_a_stylesheet_response_asks_for_what_it_names():
    mw = middleware()
    css = b'@import "more.css"; body { background: url(bg.png) }'
    request = Request("https://news.example/s.css", meta={"page_kind": "requisite", "requisite_page": PAGE})
    sheet = TextResponse(request.url, body=css, request=request, headers={"Content-Type": "text/css"})
    assert [r.url for r in mw.process_spider_output(sheet, [])] == [
        "https://news.example/more.css",
        "https://news.example/bg.png",
    ]


def test_a_source_can_switch_them_off():
    mw = middleware(requisites=False)
    assert list(mw.process_spider_output(response("article"), [])) == []


class Rendering:
    """A renderer that took every page: its browser capture records what the page loads."""

    def rendering(self, response: object) -> bool:
        return True


def test_a_rendered_page_leaves_what_it_loads_to_the_browser_capture():
    mw = middleware()
    mw.crawler.spider.renderer = Rendering()
    html = HTML.replace(b"<head>", b'<head><meta property="og:image" content="/share.jpg">')
    out = list(mw.process_spider_output(response("listing", body=html), [item("https://img.example/lead.jpg")]))
    assert [r.url for r in out if isinstance(r, Request)] == [
        "https://news.example/share.jpg",
        "https://img.example/lead.jpg",
    ]
