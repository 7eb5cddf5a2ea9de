"""Spiders built on an unstarted crawler, and in-memory responses to feed their callbacks."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scrapy.http import HtmlResponse, Request, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.config.schema import SourceConfig
from crawler.spiders import NewsSpider

SITE = "https://www.example-news.test/"

ARTICLE_PAGE = (
    b"""<!doctype html><html lang="en"><head>
<title>Talks resume in Doha over prisoner exchange - Example News</title>
<meta property="og:title" content="Talks resume in Doha over prisoner exchange">
<meta property="article:published_time" content="2024-07-13T09:30:00+04:30">
<link rel="canonical" href="https://www.example-news.test/talks-resume-in-doha-over-prisoner-exchange-54360001/">
</head><body><article><h1>Talks resume in Doha over prisoner exchange</h1>"""
    + b"".join(
        b"<p>Negotiators from both sides met again on Saturday in Doha to discuss the exchange of prisoners, "
        b"officials said, adding that the talks would continue for several days (%d).</p>" % i
        for i in range(6)
    )
    + b"</article></body></html>"
)


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


CRAWL = """
import json, sys
from datetime import datetime
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from crawler.config.schema import SourceConfig
from crawler.spiders import spider_class

spec = json.loads(sys.argv[1])
process = CrawlerProcess({
    "REMOTE_CONTROL_ENABLED": False, "TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": True,
    "COOKIES_ENABLED": False, "LOG_LEVEL": "WARNING", "DOWNLOAD_DELAY": 0, "RETRY_TIMES": 0,
    "DOWNLOADER_MIDDLEWARES": {"crawler.downloadermiddlewares.ssrf.SsrfGuardMiddleware": 50},
    "NEWSARCHIVE_SSRF_ALLOWED_HOSTS": ["127.0.0.1"],
})
source = SourceConfig.from_dict(spec["source"])
crawler = process.create_crawler(spider_class(spec["spider"]))
items = []
def scraped(item):
    if hasattr(item, "fetched_url"):  # articles, not front pages
        items.append(item.fetched_url)
crawler.signals.connect(scraped, signal=signals.item_scraped)
known = {url: datetime.fromisoformat(when) for url, when in spec["known"].items()}
process.crawl(crawler, source=source, known=known, extract_mode="fast")
process.start()
stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int)}
print(json.dumps({"items": sorted(items), "stats": stats}))
"""


def run_crawl(spider: str, source: dict[str, Any], known: Mapping[str, datetime] | None = None) -> dict[str, Any]:
    """A real crawl in a subprocess (no reactor in pytest): the fetched URLs of its items and its integer stats."""
    spec = {
        "spider": spider,
        "source": {"name": "local", "spider": spider, **source},
        "known": {url: when.isoformat() for url, when in (known or {}).items()},
    }
    done = subprocess.run(
        [sys.executable, "-c", CRAWL, json.dumps(spec)], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])
