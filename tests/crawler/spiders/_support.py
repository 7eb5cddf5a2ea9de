"""Spiders built on an unstarted crawler, and in-memory responses to feed their callbacks."""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.http import HtmlResponse, Request, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.config.schema import SourceConfig
from crawler.spiders import NewsSpider

SITE = "https://www.example-news.test/"


def build_spider(source: SourceConfig, spidercls: type[NewsSpider] = NewsSpider, **kwargs: Any) -> NewsSpider:
    crawler = get_crawler(spidercls)
    spider = spidercls.from_crawler(crawler, source=source, **kwargs)
    crawler.spider = spider
    return spider


def start_requests(spider: NewsSpider) -> list[Request]:
    async def collect() -> list[Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def respond(request: Request, body: bytes, status: int = 200, headers: dict[str, str] | None = None,
            cls: type[Response] | None = None) -> list[Any]:  # fmt: skip
    """What the request's callback yields for this response."""
    if cls is None:
        cls = _response_class(request, body)
    response = cls(url=request.url, body=body, status=status, headers=headers or {}, request=request)
    return list(request.callback(response) or ())


def _response_class(request: Request, body: bytes) -> type[Response]:
    head = body[:200].lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith(b"<rss") or head.startswith(b"<urlset"):
        return XmlResponse
    if head.startswith(b"<"):
        return HtmlResponse
    if body[:2] == b"\x1f\x8b":
        return Response
    return TextResponse


def stats(spider: NewsSpider) -> dict[str, Any]:
    return spider.crawler.stats.get_stats()


def example_source(**overrides: Any) -> SourceConfig:
    values: dict[str, Any] = dict(
        name="example",
        start_urls=(SITE,),
        feeds=(SITE + "feed/",),
        allowed_domains=("example-news.test",),
    )
    values.update(overrides)
    return SourceConfig(**values)
