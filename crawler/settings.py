"""Scrapy settings for newsarchive crawls: polite, archival (bodies kept encoded), no listeners opened."""

from __future__ import annotations

import importlib.util
from typing import Any

from crawler import __version__


def accept_encoding() -> str:
    """What we can decode *and* replay tools can decode: never zstd (Scrapy's default list includes it)."""
    if importlib.util.find_spec("brotli") or importlib.util.find_spec("brotlicffi"):
        return "gzip, deflate, br"
    return "gzip, deflate"


BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
USER_AGENT = f"newsarchive/{__version__}"

# A daemon must not open ports nobody asked for.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Politeness.
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.5
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# The spider's errback says once, in words, why each request failed (crawler.spiders.failures); Scrapy's own
# "Gave up retrying" ERROR line for the same request would say it twice.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
REDIRECT_MAX_TIMES = 10

# Cookies are not needed to read news pages, and the cookies middleware's tldextract lookup tries the network.
COOKIES_ENABLED = False

DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    "Accept-Encoding": accept_encoding(),
}

# Archival: keep what arrived. Truncated bodies are recorded and marked (WARC-Truncated), not dropped; the size
# limit is enforced by our recorder so the truncated body still reaches the archive.
DOWNLOAD_FAIL_ON_DATALOSS = False
DOWNLOAD_MAXSIZE = 0
DOWNLOAD_WARNSIZE = 0

DOWNLOADER_MIDDLEWARES: dict[str, int] = {
    "crawler.downloadermiddlewares.robots.OffsiteRobotsMiddleware": 45,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.downloadermiddlewares.robots.RobotsTxtMiddleware": 100,
    "crawler.downloadermiddlewares.ssrf.SsrfGuardMiddleware": 50,
    # Above RetryMiddleware (550): a 429/503 with Retry-After is held that long before it is retried.
    "crawler.downloadermiddlewares.retryafter.RetryAfterMiddleware": 560,
    "crawler.downloadermiddlewares.warcrecorder.WarcRecorderMiddleware": 950,
    # Nearer the downloader than the recorder, so a page stopped at the limit is still recorded (marked truncated).
    "crawler.downloadermiddlewares.maxsize.MaxPageSizeMiddleware": 960,
}
ITEM_PIPELINES: dict[str, int] = {
    "crawler.pipelines.store.ArticleStorePipeline": 300,
}
# What articles and listings load is asked for by a spider middleware reading their responses (and the
# ArticleItems, for image_url); its requests pass Referer (700) on their way to the scheduler.
SPIDER_MIDDLEWARES: dict[str, int] = {
    "crawler.spidermiddlewares.requisites.RequisitesMiddleware": 800,
}
EXTENSIONS: dict[str, int] = {
    "crawler.extensions.capturestore.CaptureStoreExtension": 500,
}

# Our settings' defaults, each defined here only: components read them as ``settings.get…(NAME, defaults.NAME)``
# so that a crawler built without this module (tests' get_crawler) behaves the same.

# Extraction (crawler.workers): worker processes take it off the reactor thread once a run has many articles.
NEWSARCHIVE_EXTRACT_ENABLED = True  # False: archive only, extract later with `newsarchive replay`
NEWSARCHIVE_EXTRACT_WORKERS = None  # None: one per core (at most 4); 0: on the reactor thread
NEWSARCHIVE_EXTRACT_WORKERS_AFTER = 100  # article pages before the pool starts (spawning costs seconds of CPU)
# Seconds a page may take in a worker before it is given up (0: no limit); replay's default too. News pages take
# milliseconds: a page that takes a minute has caught an extractor in a pathological case, and waiting longer would
# hold the worker (and, through back-pressure, the crawl).
NEWSARCHIVE_EXTRACT_TIMEOUT = 60.0

# Fetching (crawler.downloadermiddlewares).
NEWSARCHIVE_SSRF_ENABLED = True  # refuse requests to private, loopback and link-local addresses
NEWSARCHIVE_MAX_PAGE_SIZE = 0  # bytes a page body may have before it is cut (and marked truncated); 0: no limit
NEWSARCHIVE_RETRY_AFTER_MAX = 60.0  # seconds of Retry-After honoured before a 429/503 is retried

# Page requisites (crawler.spidermiddlewares.requisites); a source's ``requisites_*`` keys say the rest.
NEWSARCHIVE_REQUISITES_ENABLED = True
NEWSARCHIVE_REQUISITES_MAX_PER_PAGE = 300  # URLs one page (or stylesheet) may add; a page naming more is odd

# Recording (crawler.downloadermiddlewares.warcrecorder, crawler.warc.writer).
NEWSARCHIVE_WARC_ENABLED = True
NEWSARCHIVE_WARC_MAX_FILE_SIZE = 1_000_000_000  # bytes before the next file is started
# zlib level 6 costs about a third of level 9's CPU for files a few percent larger; the writer runs on the reactor.
NEWSARCHIVE_WARC_GZIP_LEVEL = 6
NEWSARCHIVE_WARC_CDXJ = True  # a CDXJ index beside every closed file

# Storage (crawler.pipelines.store, crawler.extensions.capturestore): batched on writer threads.
NEWSARCHIVE_STORE_BATCH_SIZE = 500  # articles per transaction
NEWSARCHIVE_STORE_INTERVAL = 2.0  # seconds between batches
NEWSARCHIVE_STORE_CLOSE_TIMEOUT = 60.0  # seconds the crawl's end waits for the last batches
NEWSARCHIVE_STORE_RETRY_AFTER = 30.0  # seconds without connection attempts after a failed one
NEWSARCHIVE_CAPTURES_BATCH_SIZE = 500  # capture rows per transaction
NEWSARCHIVE_CAPTURES_INTERVAL = 2.0

# Browser captures (crawler.render), for sources with ``render``: one Chromium per crawl process.
NEWSARCHIVE_RENDER_EXECUTABLE = "/usr/bin/chromium"  # Debian's; nothing here can download a browser
NEWSARCHIVE_RENDER_RESTART_AFTER = 50  # pages before the browser is replaced (its memory grows with each)
NEWSARCHIVE_RENDER_HEAP_MB = 512  # V8's heap per renderer: past it a page's script crashes its renderer, not the run
NEWSARCHIVE_RENDER_MAX_MEMORY = 2_000_000_000  # bytes the browser's processes may hold (buffers, DOM) before a kill

LOG_LEVEL = "INFO"
STATS_DUMP = True


def page_size_settings(max_page_size: int) -> dict[str, int]:
    """The size limits of a crawl whose pages may have ``max_page_size`` bytes (0: no limit), for crawl and replay.

    Our recorder stops a download at ``max_page_size`` and archives it marked truncated; Scrapy's own limit sits
    above it and bounds what HttpCompression may inflate (gzip bombs). Replay decodes with the same limits, so it
    never extracts a page the crawl refused.
    """
    return {
        "NEWSARCHIVE_MAX_PAGE_SIZE": max_page_size,
        "DOWNLOAD_MAXSIZE": 4 * max_page_size,
        "DOWNLOAD_WARNSIZE": max_page_size,
    }


def crawl_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """This module's settings as a dict, with per-run overrides applied."""
    settings = {name: value for name, value in globals().items() if name.isupper()}
    settings.update(overrides or {})
    return settings
