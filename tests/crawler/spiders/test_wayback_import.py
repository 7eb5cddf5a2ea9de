"""A back-fill's Wayback import extracts through the crawl's one path: the worker pool, its time limit, the counters.

A real crawl (a subprocess: no reactor in pytest) of the ``wayback`` phase against a local Wayback Machine (CDX +
raw captures over HTTP) whose captures hold ordinary articles, a page that takes seconds to extract and an article
in windows-1252 bytes labelled UTF-8.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from typing import Any

from replica import ReplicaPublisher, render_article
from replica.faults import WINDOWS_1252_TITLE
from tests.support.wayback import CDX_PAGE, FakeWayback

CRAWL = """
import json, sys
from datetime import datetime
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from crawler.config.schema import SourceConfig
from crawler.spiders import spider_class
from crawler.spiders.backfill import BackfillScope, BatchWindow

spec = json.loads(sys.argv[1])
process = CrawlerProcess({
    "REMOTE_CONTROL_ENABLED": False, "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False,
    "LOG_LEVEL": "WARNING", "DOWNLOAD_DELAY": 0, "RETRY_TIMES": 0, "ROBOTSTXT_OBEY": False,
    **spec["settings"],
})
crawler = process.create_crawler(spider_class("news"))
items = []
def scraped(item):
    items.append({"url": item.article.url, "title": item.article.title, "imported_from": item.imported_from,
                  "etag": item.etag, "last_modified": item.last_modified})
crawler.signals.connect(scraped, signal=signals.item_scraped)
window = BatchWindow("wayback", datetime.fromisoformat("2000-01-01T00:00:00+00:00"),
                     datetime.fromisoformat("2030-01-01T00:00:00+00:00"), batch=100, wayback=spec["wayback"])
process.crawl(crawler, source=SourceConfig.from_dict(spec["source"]), extract_mode="fast",
              scope=BackfillScope(window))
process.start()
stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int)}
print(json.dumps({"items": sorted(items, key=lambda item: item["url"]), "stats": stats}))
"""


def import_from(wayback: str, base_url: str, **settings: Any) -> dict[str, Any]:
    spec = {
        "wayback": wayback,
        "source": {"name": "replica", "start_urls": [base_url + "/"], "allowed_domains": ["127.0.0.1"]},
        "settings": settings,
    }
    done = subprocess.run([sys.executable, "-c", CRAWL, json.dumps(spec)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.read()


def test_a_wayback_import_goes_through_the_worker_pool_its_time_limit_and_the_charset_counter(
    publisher: ReplicaPublisher,
) -> None:
    base, site = publisher.base_url, publisher.site
    articles = site.articles[:3]
    ordinary = [(f"2024010{i + 1}120000", base + site.article_path(a), render_article(site, a, base).encode())
                for i, a in enumerate(articles)]  # fmt: skip
    cp1252 = ("20240301120000", base + "/cafe-society-54399999/", fetch(base + "/faults/wrong-charset-utf8/"))
    heavy = ("20240201120000", base + "/heavy-report-54399998/", fetch(base + "/faults/heavy/?paragraphs=8000"))
    # The heavy page on the CDX's second page: it reaches the worker behind the others, once the worker is warm
    # (the pool's hard limit counts from a page's hand-over, a cold worker's start-up included).
    assert len(ordinary) + 1 == CDX_PAGE
    with FakeWayback([*ordinary, cp1252, heavy]) as wayback:
        done = import_from(wayback.url, base, NEWSARCHIVE_EXTRACT_WORKERS=1, NEWSARCHIVE_EXTRACT_WORKERS_AFTER=0,
                           NEWSARCHIVE_EXTRACT_TIMEOUT=2)  # fmt: skip
        fetched = [path for path in wayback.requests if "id_/" in path]
    stats = done["stats"]

    assert len(fetched) == 5, "every capture was fetched"
    assert stats["newsarchive/extract/workers"] == 1, "the import extracted in the crawl's worker pool"
    assert stats["newsarchive/extract/timeouts"] == 1, "the page over the time limit was given up"
    assert stats["newsarchive/extract/worker_failed"] == 1
    assert "newsarchive/extract/worker_restarts" not in stats
    assert stats["newsarchive/extract/charset_fallback"] == 1, "the charset counter counts imports too"
    assert stats["newsarchive/backfill/imported"] == len(articles) + 1
    expected = {record["url"] for record in site.expected_records(base) if record["title"] in
                {a.title for a in articles}}  # fmt: skip
    urls = {item["url"] for item in done["items"]}
    assert expected <= urls and len(urls) == len(articles) + 1, "every other page was extracted and stored"
    assert WINDOWS_1252_TITLE in {item["title"] for item in done["items"]}
    assert {item["imported_from"] for item in done["items"]} == {
        f"{wayback.url}/web/{ts}/{url}" for ts, url, _ in [*ordinary, cp1252]
    }
    assert {(item["etag"], item["last_modified"]) for item in done["items"]} == {
        (f'"{ts}id_"', "Mon, 01 Jan 2024 12:00:00 GMT") for ts, _, _ in [*ordinary, cp1252]
    }, "an import keeps its response's validators, as a live article does"


def test_extraction_switched_off_imports_nothing_and_says_so(publisher: ReplicaPublisher) -> None:
    base, site = publisher.base_url, publisher.site
    article = site.articles[0]
    capture = ("20240101120000", base + site.article_path(article), render_article(site, article, base).encode())
    with FakeWayback([capture]) as wayback:
        done = import_from(wayback.url, base, NEWSARCHIVE_EXTRACT_ENABLED=False)
    assert done["items"] == []
    assert done["stats"]["newsarchive/spider/extraction_skipped"] == 1
