"""Replay decodes an archived body as the crawl did: a gzip bomb the crawl refused to inflate is not extracted."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.config.schema import Config, CrawlConfig, SourceConfig
from crawler.replay import ReplayOptions, replay_files
from crawler.replay.extraction import ExtractionTask, extract_task
from crawler.run.child import scrapy_settings
from crawler.run.spec import RunSpec
from crawler.storage.database import connect
from crawler.warc.reader import RecordLocation
from tests.crawler.replay.warcs import WarcBuilder, article_pages

LIMIT = 100_000
"""The source's max_page_size: the crawl inflates a body to four times that (DOWNLOAD_MAXSIZE), then refuses it."""
T1 = datetime(2024, 3, 1, 12, tzinfo=UTC)
HEADERS = [(b"Content-Type", b"text/html; charset=utf-8"), (b"Content-Encoding", b"gzip")]


def bomb(html: bytes, inflated: int) -> bytes:
    """A real article page padded with spaces to ``inflated`` bytes: a few kilobytes once gzipped."""
    return html.replace(b"</body>", b" " * (inflated - len(html)) + b"</body>", 1)


def crawl_decoder(source: SourceConfig) -> HttpCompressionMiddleware:
    """The HttpCompression of a crawl of ``source``, built from that crawl's own Scrapy settings."""
    config = Config(crawl=CrawlConfig(max_page_size=20 * 10**6), sources=(source,))
    spec = RunSpec.for_source(config, source, run_id=None, database_url="")
    settings = scrapy_settings(spec)
    del settings["SPIDER_MODULES"]  # no spider is loaded here (and loading them all warns of their shared name)
    return build_from_crawler(HttpCompressionMiddleware, get_crawler(settings_dict=settings))


def crawl_refuses(source: SourceConfig, url: str, body: bytes) -> bool:
    request = Request(url)
    response = HtmlResponse(url, headers=dict(HEADERS), body=gzip.compress(body), request=request)
    try:
        crawl_decoder(source).process_response(request, response)
    except IgnoreRequest:
        return True
    return False


def task(url: str, body: bytes, max_page_size: int) -> ExtractionTask:
    return ExtractionTask(
        url=url,
        status=200,
        headers=HEADERS,
        payload=gzip.compress(body),
        source="site",
        record_id=None,
        seen_at=T1,
        mode="default",
        where=RecordLocation(Path("test.warc.gz"), 0),
        max_page_size=max_page_size,
    )


def test_what_the_crawl_refuses_to_inflate_replay_does_not_extract() -> None:
    [(url, html)] = article_pages(1)
    source = SourceConfig(name="site", max_page_size=LIMIT)
    over, under = bomb(html, 4 * LIMIT + 1000), bomb(html, 4 * LIMIT - 1000)
    assert crawl_refuses(source, url, over) and not crawl_refuses(source, url, under)

    refused = extract_task(task(url, over, LIMIT))
    assert refused.item is None and refused.error is None
    assert "exceeded DOWNLOAD_MAXSIZE (400000 B)" in (refused.not_article or "")
    assert extract_task(task(url, under, LIMIT)).item is not None


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection]:
    with connect(database_url, autocommit=True) as connection:
        yield connection


def test_a_gzip_bomb_in_a_warc_is_not_replayed_under_its_sources_limit(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    """The limit is the configured source's, as the crawl had it; another source falls back to ``[crawl]``'s."""
    (url, html), (other_url, other_html) = article_pages(2)
    builder = WarcBuilder(tmp_path)
    builder.page(url, bomb(html, 4 * LIMIT + 1000), T1, encode=True)
    builder.page(other_url, other_html, T1, encode=True)
    path = builder.close()
    assert path.stat().st_size < LIMIT  # small on disk: only inflating it is expensive

    limited = (SourceConfig(name="site", allowed_domains=("news.example",), max_page_size=LIMIT),)
    result = replay_files(conn, [path], ReplayOptions(processes=1, sources=limited))
    assert result.status == "finished", result.stats.bad
    assert result.stats.not_article == 1 and result.stats.extraction_errors == 0
    assert [row[0] for row in conn.execute("SELECT url FROM articles")] == [other_url]

    # A source not configured: [crawl]'s limit (20 MB, 80 MB inflated), under which the page was an article.
    result = replay_files(conn, [path], ReplayOptions(processes=1, resume=False))
    assert result.stats.not_article == 0
    assert sorted(row[0] for row in conn.execute("SELECT url FROM articles")) == sorted([url, other_url])


def test_a_replayed_article_keeps_its_responses_validators_as_the_live_crawl_does() -> None:
    """A re-check after a rebuild from the WARCs asks "changed since?" with what the publisher sent then."""
    [(url, html)] = article_pages(1)
    validators = [(b"ETag", b'"v1-abc"'), (b"Last-Modified", b"Sat, 13 Jul 2024 05:00:00 GMT")]
    replayed = extract_task(replace(task(url, html, LIMIT), headers=[*HEADERS, *validators]))
    assert replayed.item is not None
    assert (replayed.item.etag, replayed.item.last_modified) == ('"v1-abc"', "Sat, 13 Jul 2024 05:00:00 GMT")
