"""Extraction in worker processes: the same items as in-process through a real crawl, and no worker outlives it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from crawler.extract import EXTRACTOR_VERSION
from replica import ReplicaPublisher, ReplicaSite
from tests.support.processes import stop_tree

CRAWL = """
import json, sys
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from crawler.config.schema import SourceConfig
from crawler.spiders import spider_class

spec = json.loads(sys.argv[1])
process = CrawlerProcess({
    "REMOTE_CONTROL_ENABLED": False, "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False,
    "LOG_LEVEL": "WARNING", "DOWNLOAD_DELAY": 0, "RETRY_TIMES": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOADER_MIDDLEWARES": {"crawler.downloadermiddlewares.ssrf.SsrfGuardMiddleware": 50},
    "NEWSARCHIVE_SSRF_ALLOWED_HOSTS": ["127.0.0.1"],
    **spec["settings"],
})
crawler = process.create_crawler(spider_class("khaama"))
items = []
def scraped(item):
    if not hasattr(item, "article"):  # a front page
        return
    items.append({"fetched_url": item.fetched_url, "extractor": item.article.extractor, **item.article.to_json()})
crawler.signals.connect(scraped, signal=signals.item_scraped)
process.crawl(crawler, source=SourceConfig.from_dict(spec["source"]), extract_mode=spec["mode"])
process.start()
stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int)}
print(json.dumps({"items": sorted(items, key=lambda item: item["fetched_url"]), "stats": stats}))
"""


def crawl_command(
    base_url: str, mode: str, workers: int, after: int = 0, feeds: tuple[str, ...] = (), **settings: Any
) -> list[str]:
    spec = {
        "source": {"name": "replica", "spider": "khaama", "start_urls": [base_url + "/"],
                   "feeds": [base_url + "/feed/", *(base_url + feed for feed in feeds)],
                   "allowed_domains": ["127.0.0.1"]},
        "mode": mode,
        "settings": {"NEWSARCHIVE_EXTRACT_WORKERS": workers, "NEWSARCHIVE_EXTRACT_WORKERS_AFTER": after, **settings},
    }  # fmt: skip
    return [sys.executable, "-c", CRAWL, json.dumps(spec)]


def crawl(base_url: str, mode: str, workers: int, after: int = 0, **options: Any) -> dict[str, Any]:
    command = crawl_command(base_url, mode, workers, after, **options)
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["default", "fast"])
def test_workers_give_the_items_extraction_in_process_gives(publisher: ReplicaPublisher, mode: str):
    in_process = crawl(publisher.base_url, mode, workers=0)
    in_workers = crawl(publisher.base_url, mode, workers=2)

    assert "newsarchive/extract/workers" not in in_process["stats"]
    assert in_workers["stats"]["newsarchive/extract/workers"] == 2
    assert len(in_process["items"]) == len(publisher.site.articles)
    assert in_workers["items"] == in_process["items"]
    assert {item["extractor"] for item in in_workers["items"]} == {f"{mode}/{EXTRACTOR_VERSION}"}


def test_a_small_run_extracts_in_process_and_a_large_one_moves_to_workers(publisher: ReplicaPublisher):
    articles = len(publisher.site.articles)

    small = crawl(publisher.base_url, "fast", workers=2, after=articles)
    large = crawl(publisher.base_url, "fast", workers=2, after=articles // 2)

    assert "newsarchive/extract/workers" not in small["stats"]
    assert large["stats"]["newsarchive/extract/workers"] == 2
    assert small["items"] == large["items"] and len(small["items"]) == articles


def _workers_of(process: psutil.Process, count: int, timeout: float = 60) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = [child for child in process.children(recursive=True) if "spawn_main" in " ".join(child.cmdline())]
        if len(children) >= count:
            return children
        time.sleep(0.05)
    raise AssertionError(f"{count} worker processes did not start within {timeout} s")


def _gone(processes: list[psutil.Process], timeout: float = 30) -> bool:
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return not alive


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_no_worker_outlives_its_crawl(signum: int, tmp_path: Path):
    """SIGTERM: Scrapy's graceful stop shuts the pool down; SIGKILL: the workers die with their parent."""
    with ReplicaPublisher(ReplicaSite(n_articles=400)) as publisher:
        # Output to a file: an unread pipe would fill up and block the crawl (and its signal handling).
        output = (tmp_path / "crawl.log").open("wb")
        crawl_process = subprocess.Popen(
            crawl_command(publisher.base_url, "default", workers=2), stdout=output, stderr=subprocess.STDOUT
        )
        try:
            workers = _workers_of(psutil.Process(crawl_process.pid), 2)
            deadline = time.monotonic() + 60
            while len(publisher.requests) < 60 and time.monotonic() < deadline:
                time.sleep(0.05)  # articles are being extracted
            crawl_process.send_signal(signum)
            crawl_process.wait(timeout=60)
            assert _gone(workers), [w.pid for w in workers if w.is_running()]
        finally:
            stop_tree(crawl_process)
            output.close()
    if signum == signal.SIGTERM:
        assert crawl_process.returncode == 0


def test_a_page_over_the_time_limit_is_given_up_and_the_rest_extracted(publisher: ReplicaPublisher):
    """A page that takes seconds to extract (news pages take milliseconds) past NEWSARCHIVE_EXTRACT_TIMEOUT: the
    worker gives it up and goes on (no restart), the page stays archived only, every other article is extracted
    (including the one queued behind it in the same worker)."""
    started = time.monotonic()
    done = crawl(publisher.base_url, "fast", workers=1, feeds=("/faults/heavy-feed/",), NEWSARCHIVE_EXTRACT_TIMEOUT=1)
    stats = done["stats"]
    assert stats["newsarchive/extract/timeouts"] == 1
    assert stats["newsarchive/extract/worker_failed"] == 1
    assert "newsarchive/extract/worker_restarts" not in stats
    assert not [key for key in stats if key.startswith("spider_exceptions/")]
    expected = {record["url"] for record in publisher.site.expected_records(publisher.base_url)}
    assert {item["url"] for item in done["items"]} == expected
    assert time.monotonic() - started < 60
