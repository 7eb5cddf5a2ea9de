"""The bare side of the crawl benchmark: Scrapy with the crawl's settings and discovery, a no-op article callback.

``python -m bench.bare SPEC.json STATS.json``: the same ``RunSpec`` and Scrapy settings a ``newsarchive crawl``
child gets, minus every component of ours (WARC recorder, SSRF guard, store pipeline, capture extension), and the
news spider with its article callback replaced by one that does nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from crawler.run.child import scrapy_settings, write_stats
from crawler.run.spec import RunSpec
from crawler.spiders import spider_class


def bare_settings(spec: RunSpec) -> dict[str, Any]:
    settings = scrapy_settings(spec)
    settings.update(
        DOWNLOADER_MIDDLEWARES={},
        ITEM_PIPELINES={},
        EXTENSIONS={},
        NEWSARCHIVE_EXTRACT_ENABLED=False,  # no worker pool either
        LOG_LEVEL="WARNING",
    )
    return settings


def bare_spider(spider_id: str) -> type:
    """The source's spider class with ``parse_article`` doing nothing (discovery unchanged)."""
    base = spider_class(spider_id)

    def parse_article(self: Any, response: Response) -> list[Any]:
        return []

    return type(f"Bare{base.__name__}", (base,), {"parse_article": parse_article})


def main(argv: list[str]) -> int:
    spec = RunSpec.load(Path(argv[0]))
    process = CrawlerProcess(bare_settings(spec))
    crawler = process.create_crawler(bare_spider(spec.source.spider))
    process.crawl(crawler, source=spec.source)
    process.start()
    write_stats(crawler.stats.get_stats(), Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
