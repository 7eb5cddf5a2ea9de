"""The storage components inside a real Scrapy crawl (subprocess, asyncio reactor): everything lands by close."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from datetime import UTC, datetime
    from pathlib import Path

    import scrapy
    from scrapy import signals as scrapy_signals
    from scrapy.crawler import CrawlerProcess

    from crawler import signals
    from crawler.extract.article import Article
    from crawler.items import ArticleItem
    from crawler.warc.capture import CaptureRow

    T0 = datetime(2024, 7, 13, tzinfo=UTC)
    FILE = "newsarchive-20240713000000000-00000-host.warc.gz"


    class Recorder:
        # Stands in for the WARC recorder: signals rows while crawling and its last file at spider_closed.
        @classmethod
        def from_crawler(cls, crawler):
            recorder = cls()
            recorder.crawler = crawler
            crawler.signals.connect(recorder.spider_closed, signal=scrapy_signals.spider_closed)
            return recorder

        def spider_closed(self):
            self.crawler.signals.send_catch_log(
                signal=signals.warc_file_closed, path=Path("/archive") / FILE, size=10, records=120
            )


    class Items(scrapy.Spider):
        name = "items"

        async def start(self):
            for n in range(120):
                row = CaptureRow(
                    FILE, n, 1, f"<urn:uuid:{n}>", "response", f"https://e.org/{n}/", T0, 200,
                    payload_digest=f"sha1:{n:032d}", page_kind="article",
                )
                self.crawler.signals.send_catch_log(signal=signals.warc_records_written, rows=[row])
                url = f"https://e.org/{n}/"
                yield ArticleItem(Article(url=url, title=str(n), body="b"), "e", url, f"<urn:uuid:{n}>", T0)


    process = CrawlerProcess(
        {
            "NEWSARCHIVE_DATABASE_URL": sys.argv[1],
            "NEWSARCHIVE_STORE_BATCH_SIZE": 50,
            "ITEM_PIPELINES": {"crawler.pipelines.store.ArticleStorePipeline": 300},
            "EXTENSIONS": {
                "__main__.Recorder": int(sys.argv[2]),
                "crawler.extensions.capturestore.CaptureStoreExtension": 500,
            },
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    crawler = process.create_crawler(Items)
    process.crawl(crawler)
    process.start()
    print(json.dumps({k: v for k, v in crawler.stats.get_stats().items() if k.startswith("newsarchive/")}))
    """
)


@pytest.mark.parametrize("recorder_order", [100, 900], ids=["recorder-first", "recorder-last"])
def test_crawl_stores_everything_before_stats_close(database_url, db_conn, recorder_order):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, database_url, str(recorder_order)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    assert stats == {"newsarchive/articles/new": 120, "newsarchive/captures/stored": 120}
    assert db_conn.execute("SELECT count(*) FROM articles").fetchone() == (120,)
    assert db_conn.execute("SELECT count(*) FROM captures").fetchone() == (120,)
    assert db_conn.execute("SELECT filename, records FROM warc_files").fetchall() == [
        ("newsarchive-20240713000000000-00000-host.warc.gz", 120)
    ]
