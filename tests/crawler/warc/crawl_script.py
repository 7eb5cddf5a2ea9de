"""Run a tiny Scrapy crawl with the WARC recorder: ``python crawl_script.py SETTINGS_JSON URL[|kind] ...``.

Pytest runs no Twisted reactor, so real crawls for the WARC tests run in this subprocess. It prints the rows the
``warc_records_written`` signal carried and the files ``warc_file_closed`` reported, as JSON lines on stdout.
"""

from __future__ import annotations

import json
import sys

import scrapy
from scrapy.crawler import CrawlerProcess

from crawler import signals as our_signals


class RecordSpider(scrapy.Spider):
    name = "warc-test"

    def __init__(self, urls: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self):
        for entry in self.urls:
            url, _, kind = entry.partition("|")
            method, _, url = url.rpartition(" ")
            meta = {"page_kind": kind} if kind else {}
            if method == "POST":
                yield scrapy.Request(url, method="POST", body=b"a=1&b=2", meta=meta, dont_filter=True)
            else:
                yield scrapy.Request(url, meta=meta, dont_filter=True)

    def parse(self, response):
        print(
            json.dumps(
                {
                    "event": "parsed",
                    "url": response.url,
                    "status": response.status,
                    "flags": response.flags,
                    "warc_record_id": response.meta.get("warc_record_id"),
                    "warc_date": response.meta["warc_date"].isoformat() if "warc_date" in response.meta else None,
                }
            ),
            flush=True,
        )


def _print_rows(rows):
    for row in rows:
        print(json.dumps({"event": "row", "row": {**row.__dict__, "warc_date": row.warc_date.isoformat()}}), flush=True)


def _print_closed(path, size, records):
    print(json.dumps({"event": "closed", "path": str(path), "size": size, "records": records}), flush=True)


def _has_brotli() -> bool:
    try:
        import brotli  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    settings = {
        "REMOTE_CONTROL_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_FAIL_ON_DATALOSS": False,
        "RETRY_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,*/*;q=0.8",
            "Accept-Language": "en",
            # Scrapy's default list has zstd, which replay tools cannot decode (WARC rule 3).
            "Accept-Encoding": "gzip, deflate, br" if _has_brotli() else "gzip, deflate",
        },
        "USER_AGENT": "newsarchive-test/1.0 (+http://example.invalid/contact)",
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.downloadermiddlewares.warcrecorder.WarcRecorderMiddleware": 950,
            "crawler.downloadermiddlewares.maxsize.MaxPageSizeMiddleware": 960,
        },
        "CONCURRENT_REQUESTS": 1,
        "COOKIES_ENABLED": False,
    }
    settings.update(json.loads(sys.argv[1]))
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(RecordSpider)
    crawler.signals.connect(_print_rows, signal=our_signals.warc_records_written)
    crawler.signals.connect(_print_closed, signal=our_signals.warc_file_closed)
    process.crawl(crawler, urls=sys.argv[2:])
    process.start()
    print(
        json.dumps(
            {
                "event": "stats",
                "stats": {
                    k: v for k, v in crawler.stats.get_stats().items() if "/" in k and not hasattr(v, "isoformat")
                },
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
