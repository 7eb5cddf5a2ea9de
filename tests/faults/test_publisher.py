"""A publisher that misbehaves in every way at once: one crawl through the CLI, then what it left behind.

The source lists the replica's normal site next to its fault endpoints: a feed of misbehaving "articles" (timeout,
reset, 500/503/429 with Retry-After, truncated bodies, a gzip bomb, a page over the size limit, a redirect loop, an
off-site redirect, a wrong charset, binary served as HTML, an empty page), malformed feed XML, a sitemap index that
names itself, and an endless listing. The crawl must end on its own, store every real article, count each failure
in its stats, and archive what was received (truncated records marked).
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.settings import DOWNLOADER_MIDDLEWARES
from crawler.storage.scratch import scratch_database
from replica import ReplicaPublisher, ReplicaSite, faults
from replica.faults import OFFSITE_URL
from tests.faults._support import (
    SETTINGS_ENV,
    WarcRecord,
    open_files,
    read_records,
    responses_for,
    settings_env,
    source_toml,
    warc_files,
    warcio_check,
)
from tests.support.cli import query, run_cli, write_config

RETRY_AFTER = "crawler.downloadermiddlewares.retryafter.RetryAfterMiddleware"
SETTINGS = {
    "DOWNLOAD_TIMEOUT": 5,
    "RETRY_TIMES": 1,
    # The project's downloader middlewares, plus Retry-After handling should the project not list it yet.
    "DOWNLOADER_MIDDLEWARES": {RETRY_AFTER: 560, **DOWNLOADER_MIDDLEWARES},
}
STATUS_FAULTS = {
    500: "/faults/status/500/",
    503: "/faults/status/503/?retry_after=3",
    429: "/faults/status/429/?retry_after=3",
}
CRAWL_TIMEOUT = 120
"""The crawl must end on its own well within this (it takes about 15 s); a hang fails the test, not the suite."""


@dataclass(frozen=True)
class HostileCrawl:
    publisher: ReplicaPublisher
    database_url: str
    returncode: int
    stderr: str
    seconds: float
    status: str
    error: str | None
    stats: dict[str, Any]
    records: list[WarcRecord]
    archive_dir: Path

    def url(self, path: str) -> str:
        return self.publisher.base_url + path

    def fetches(self, path: str) -> int:
        return sum(1 for log in self.publisher.requests if log.path == path)


@pytest.fixture(scope="module")
def crawl(admin_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileCrawl]:
    tmp_path = tmp_path_factory.mktemp("hostile")
    with (
        ReplicaPublisher(ReplicaSite(), mounts=[faults.MOUNT]) as publisher,
        scratch_database(admin_database_url) as url,
    ):
        base = publisher.base_url
        source = source_toml(
            "hostile",
            spider="khaama",
            start_urls=[f"{base}/", f"{base}/faults/endless/page/1/"],
            feeds=[f"{base}/feed/", f"{base}/faults/feed/", f"{base}/faults/bad-feed/"],
            sitemaps=[f"{base}/faults/sitemap-index.xml"],
            allowed_domains=["127.0.0.1"],
            download_delay="0s",
            max_page_size="1MB",
        )
        config = write_config(tmp_path, url, source)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(SETTINGS_ENV, settings_env(**SETTINGS))
            started = time.monotonic()
            result = run_cli(config, "crawl", "hostile", timeout=CRAWL_TIMEOUT)
            seconds = time.monotonic() - started
        [(status, error, stats)] = query(url, "SELECT status, error, stats FROM crawl_runs WHERE source = 'hostile'")
        archive_dir = tmp_path / "data" / "archive"
        yield HostileCrawl(
            publisher, url, result.returncode, result.stderr, seconds, status, error, stats or {},
            read_records(warc_files(archive_dir)), archive_dir,
        )  # fmt: skip


def test_the_crawl_ends_on_its_own_without_a_crash(crawl: HostileCrawl) -> None:
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl.seconds < 60
    assert crawl.stats["finish_reason"] == "finished"
    assert "Traceback" not in crawl.stderr
    assert not [key for key in crawl.stats if key.startswith("spider_exceptions/")]
    # About one request in ten failed on purpose, right at the fetch-error tolerance: finished or degraded, and if
    # degraded then for that reason only (nothing unstored, no spider exception).
    assert crawl.status in ("finished", "degraded")
    assert crawl.status == "finished" or re.fullmatch(r"\d+ of \d+ requests failed \(.+\)", crawl.error or "")


def test_every_real_article_is_still_stored(crawl: HostileCrawl) -> None:
    expected = {record["url"]: record for record in crawl.publisher.site.expected_records(crawl.publisher.base_url)}
    stored = dict(query(crawl.database_url, "SELECT url, title FROM articles WHERE source = 'hostile'"))
    assert set(expected) <= set(stored)
    assert all(stored[url] == record["title"] for url, record in expected.items())
    # Wrong charset label, truncated copies: none made a second (garbled or partial) version of the newest article.
    versions = query(crawl.database_url, "SELECT url, max(version) FROM articles GROUP BY url HAVING max(version) > 1")
    assert versions == []
    partial = [url for url in stored if "/faults/" in url and "/faults/drip/" not in url]
    assert partial == [], "a truncated, binary, empty or over-size page was stored as an article"


def test_each_failure_is_counted_in_the_run_stats(crawl: HostileCrawl) -> None:
    stats = crawl.stats
    assert stats["downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError"] >= 1  # slow
    assert stats["downloader/exception_type_count/scrapy.exceptions.DownloadFailedError"] >= 1  # reset
    for status in ("500 Internal Server Error", "503 Service Unavailable", "429 Unknown Status"):
        assert stats[f"retry/reason_count/{status}"] >= 1
    assert stats["newsarchive/spider/fetch_errors/article"] >= 5  # slow, reset, 500, 503, 429
    assert stats["newsarchive/spider/article_gone"] >= 1  # the malformed feed's one link (a 404: the site's fact)
    assert stats["newsarchive/maxsize/stopped"] == 1  # huge
    assert stats["newsarchive/warc/truncated"] == 3  # truncated, truncated-chunked, huge
    assert stats["newsarchive/spider/truncated_article"] == 3
    assert stats["newsarchive/spider/ignored/article"] >= 1  # the gzip bomb, past DOWNLOAD_MAXSIZE inflated
    assert stats["offsite/filtered"] == 1  # the off-site redirect
    assert stats["newsarchive/spider/sitemap_loop"] >= 1
    assert stats["newsarchive/spider/not_article"] >= 2  # binary, empty
    assert stats["dupefilter/filtered"] >= 1  # the redirect loop, back at its start


def test_retry_after_is_honoured(crawl: HostileCrawl) -> None:
    """503 and 429 ask for 3 s: the retry comes no sooner (a 500 says nothing, and is retried at once)."""
    for status, path in STATUS_FAULTS.items():
        times = [log.time for log in crawl.publisher.requests if log.path == path]
        assert len(times) == 2, (path, times)
        gap = times[1] - times[0]
        assert gap >= 2.9 if status in (429, 503) else gap < 2.9, (path, gap)
    assert crawl.stats["newsarchive/retry_after/waited"] == 2


def test_traps_are_bounded(crawl: HostileCrawl) -> None:
    endless = [log.path for log in crawl.publisher.requests if log.path.startswith("/faults/endless/")]
    assert len(endless) == 3  # the start page and max_listing_depth (2) next pages
    assert crawl.fetches("/faults/sitemap-index.xml") == 1
    assert crawl.fetches("/faults/sitemap-index-b.xml") == 1
    # A feed that ignores ?paged (every page the same) stops at the first page that brings nothing new.
    feed_pages = [log.path for log in crawl.publisher.requests if log.path.startswith("/faults/feed/")]
    assert len(feed_pages) <= 2
    loop = [log.path for log in crawl.publisher.requests if log.path.startswith("/faults/redirect-loop/")]
    assert len(loop) <= 3


def test_the_warc_holds_what_was_received(crawl: HostileCrawl) -> None:
    records = crawl.records
    assert records and not open_files(crawl.archive_dir)
    for path in warc_files(crawl.archive_dir):
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout + check.stderr

    def only(path: str) -> WarcRecord:
        found = responses_for(records, crawl.url(path))
        assert len(found) == 1, (path, found)
        return found[0]

    page = _fetch(crawl.url(crawl.publisher.site.article_path(crawl.publisher.site.articles[0])))
    truncated = only("/faults/truncated/")
    assert truncated.truncated == "disconnect" and truncated.raw_body == page[: len(page) // 2]
    assert only("/faults/truncated-chunked/").truncated == "disconnect"
    huge = only("/faults/huge/?mb=3")
    assert huge.truncated == "length" and 1_000_000 <= len(huge.raw_body) < 3 * 1024 * 1024
    bomb = only("/faults/gzip-bomb/")
    assert bomb.content_encoding == "gzip" and bomb.raw_body == _fetch(crawl.url("/faults/gzip-bomb/"))
    assert only("/faults/binary/").raw_body == _fetch(crawl.url("/faults/binary/"))
    assert only("/faults/wrong-charset/").raw_body == page
    for status, path in STATUS_FAULTS.items():
        found = responses_for(records, crawl.url(path))
        assert [record.status for record in found] == [status, status]  # the try and its retry
    assert [record.status for record in responses_for(records, crawl.url("/faults/offsite-redirect/"))] == [302]
    assert not responses_for(records, OFFSITE_URL)
    assert not responses_for(records, crawl.url("/faults/reset/"))  # nothing was received
    untruncated = [r for r in records if r.truncated and "/faults/" not in r.url]
    assert untruncated == []


def _fetch(url: str) -> bytes:
    """The bytes as served, without asking for compression (what the archive must hold, content-encoding kept)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()
