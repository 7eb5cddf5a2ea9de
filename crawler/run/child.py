"""The crawl subprocess: ``python -m crawler.run.child SPEC.json`` runs one Scrapy crawl and writes its stats."""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess

from crawler.errors import DatabaseUnavailable
from crawler.logs import set_log_context, setup_logging
from crawler.run.frontier import fresh_frontier, frontier_settings
from crawler.run.spec import RunSpec
from crawler.settings import crawl_settings, page_size_settings
from crawler.spiders import spider_class
from crawler.spiders.scope import SourceScope
from crawler.storage.absences import Absence
from crawler.storage.recheck import Recheck

log = logging.getLogger(__name__)


def scrapy_settings(spec: RunSpec) -> dict[str, Any]:
    """Scrapy settings for this run: our defaults, the source's politeness, where the archive and database are."""
    source = spec.source
    allowed_hosts = sorted(_named_hosts(spec))
    overrides: dict[str, Any] = {
        "DOWNLOAD_DELAY": spec.download_delay,
        "AUTOTHROTTLE_ENABLED": spec.autothrottle,
        "CONCURRENT_REQUESTS_PER_DOMAIN": spec.concurrent_requests_per_domain,
        "NEWSARCHIVE_SOURCE": source.name,
        "NEWSARCHIVE_RECHECK": list(source.recheck),
        "NEWSARCHIVE_RUN_ID": spec.run_id,
        "NEWSARCHIVE_DATABASE_URL": spec.database_url,
        "NEWSARCHIVE_WARC_DIR": spec.archive_dir,
        "NEWSARCHIVE_WARC_PREFIX": spec.archive_prefix,
        "NEWSARCHIVE_WARC_MAX_FILE_SIZE": spec.archive_max_file_size,
        "NEWSARCHIVE_WARC_GZIP_LEVEL": spec.archive_gzip_level,
        **page_size_settings(spec.max_page_size),
        "NEWSARCHIVE_SSRF_ALLOWED_HOSTS": allowed_hosts,
        "LOG_LEVEL": spec.log_level,
        "LOG_INSTALL_ROOT_HANDLER": False,  # ours (crawler.logs) is installed already
    }
    overrides.update(frontier_settings(spec.frontier_dir))
    if spec.user_agent:
        overrides["USER_AGENT"] = spec.user_agent
    if spec.database_url:
        overrides["NEWSARCHIVE_WARC_DEDUP_LOADER"] = "crawler.storage.captures.load_dedup_index"
    overrides.update(spec.settings)
    overrides.update(env_settings())
    return crawl_settings(overrides)


SETTINGS_ENV = "NEWSARCHIVE_SCRAPY_SETTINGS"


def env_settings() -> dict[str, Any]:
    """Extra Scrapy settings from ``NEWSARCHIVE_SCRAPY_SETTINGS`` (a JSON object), applied last.

    For tests and operators: the CLI has no per-setting options, and e.g. a fault test needs a short
    ``DOWNLOAD_TIMEOUT``. A value that is not a JSON object is ignored with a warning.
    """
    raw = os.environ.get(SETTINGS_ENV, "").strip()
    if not raw:
        return {}
    try:
        values = json.loads(raw)
    except ValueError as error:
        log.warning("%s ignored: not JSON (%s)", SETTINGS_ENV, error)
        return {}
    if not isinstance(values, dict):
        log.warning("%s ignored: not a JSON object", SETTINGS_ENV)
        return {}
    return values


def _named_hosts(spec: RunSpec) -> set[str]:
    """Hosts the source names explicitly: the only private or loopback hosts the SSRF guard lets through."""
    from urllib.parse import urlsplit

    source = spec.source
    hosts = {urlsplit(url).hostname or "" for url in (*source.start_urls, *source.feeds, *source.sitemaps)}
    hosts.update(source.allowed_domains)
    hosts.update(source.requisites_hosts)
    return {host for host in hosts if host}


@dataclass(frozen=True)
class CrawlMemory:
    known: dict[str, datetime] = field(default_factory=dict)
    """URLs already archived for this source (not refetched unless due) → last seen."""
    since: datetime | None = None
    """When the source's last successful run started."""
    rechecks: list[Recheck] = field(default_factory=list)
    """Articles whose re-check is due, with their validators."""
    absences: list[Absence] = field(default_factory=list)
    """Discovered URLs remembered as missing (``crawler.spiders.absences``); none for a back-fill batch."""


def crawl_memory(spec: RunSpec) -> CrawlMemory:
    """What the database knows of this source before the run.

    Without a database it is empty: the crawl then fetches everything it discovers, and the WARCs keep it all.
    """
    if not spec.database_url:
        return CrawlMemory()
    from crawler.storage.absences import load_absences
    from crawler.storage.articles import ArticleStore
    from crawler.storage.database import connect
    from crawler.storage.recheck import due_rechecks
    from crawler.storage.runs import last_success_at

    name = spec.source.name
    try:
        with connect(spec.database_url) as conn:
            rechecking = spec.source.recheck and not spec.backfill
            due = due_rechecks(conn, name, datetime.now(UTC)) if rechecking else []
            absences = [] if spec.backfill else load_absences(conn, name)
            known = ArticleStore(conn).known_articles(name)
            return CrawlMemory(known, last_success_at(conn, name), due, absences)
    except DatabaseUnavailable as error:
        log.warning("database unreachable, crawling without the list of known articles: %s", error)
        return CrawlMemory()


def recover_archive(spec: RunSpec) -> None:
    """Close and index ``.open`` WARC files that a killed run left behind, before writing new ones."""
    from crawler.warc.recovery import recover_and_index

    archive_dir = Path(spec.archive_dir)
    if not archive_dir.exists():
        return
    recovered = recover_and_index(archive_dir)
    if not spec.database_url:
        return
    from crawler.storage.captures import CaptureStore, index_unrecorded
    from crawler.storage.database import connect

    try:
        with connect(spec.database_url) as conn:
            store = CaptureStore(conn)
            store.index_recovered(recovered)
            # Files this source wrote while the database was away: their captures never reached the index.
            index_unrecorded(store, archive_dir, spec.source.name)
    except DatabaseUnavailable as error:
        log.warning("recovered or unrecorded WARC files not indexed (database unreachable): %s", error)


def run(spec: RunSpec) -> dict[str, Any]:
    """Run the crawl to its end and return Scrapy's stats."""
    recover_archive(spec)
    with fresh_frontier(spec.frontier_dir) as frontier:
        spec = replace(spec, frontier_dir=frontier)
        process = CrawlerProcess(scrapy_settings(spec))
        crawler = process.create_crawler(spider_class(spec.source.spider))
        memory = crawl_memory(spec)
        process.crawl(
            crawler,
            source=spec.source,
            known=memory.known,
            since=memory.since,
            rechecks=memory.rechecks,
            absences=memory.absences,
            extract_mode=spec.extract_mode,
            scope=run_scope(spec),
        )
        process.start()
    close_abandoned_warc(crawler, spec)
    remember_absences(crawler, spec)
    return crawler.stats.get_stats()


def remember_absences(crawler: Crawler, spec: RunSpec) -> None:
    """What this run learnt of missing pages, for the next run (written here, after the crawl, in one transaction).

    After the crawl rather than from a pipeline: every answer is in by then, no database call waits on the reactor,
    and a run killed midway leaves the memory as it was (the next run asks again: the safe side).
    """
    spider = crawler.spider
    if not spec.database_url or spec.backfill or spider is None:
        return
    changes = spider.absences.changes()
    if not changes:
        return
    from crawler.storage.absences import save_absences
    from crawler.storage.database import connect

    try:
        with connect(spec.database_url) as conn:
            save_absences(conn, spec.source.name, changes)
    except DatabaseUnavailable as error:
        log.warning("missing pages not remembered (database unreachable); the next run asks again: %s", error)


def run_scope(spec: RunSpec) -> SourceScope:
    """What the run walks: the source as it is now, or a back-fill batch's window of its history."""
    if spec.backfill:
        from crawler.spiders.backfill import BackfillScope

        return BackfillScope(spec.backfill)
    return SourceScope()


def close_abandoned_warc(crawler: Crawler, spec: RunSpec) -> None:
    """After a forced stop (a second SIGTERM) Scrapy skips ``spider_closed``: close and index the WARC ourselves.

    Every record group is on disk already (each is one write), so closing here loses nothing; it saves the next run
    a recovery and keeps the file's index and ``warc_files`` row in step now.
    """
    from crawler.downloadermiddlewares.warcrecorder import WarcRecorderMiddleware
    from crawler.warc.cdxj import index_file

    engine = crawler.engine
    middlewares = engine.downloader.middleware.middlewares if engine else ()
    for middleware in middlewares:
        if not isinstance(middleware, WarcRecorderMiddleware) or middleware.writer.current_path is None:
            continue
        closed = middleware.writer.close()
        if closed is None:
            continue
        log.warning("closed %s after a forced stop", closed.path.name)
        index_file(closed.path)
        _record_closed_file(spec, closed.path)


def _record_closed_file(spec: RunSpec, path: Path) -> None:
    if not spec.database_url:
        return
    from crawler.storage.captures import CaptureStore
    from crawler.storage.database import connect

    try:
        with connect(spec.database_url) as conn:
            # Its rows may not have reached the database before the forced stop: index them from the file.
            CaptureStore(conn).index_files([path])
    except DatabaseUnavailable as error:
        log.warning("closed WARC %s not recorded (database unreachable): %s", path.name, error)


def write_stats(stats: dict[str, Any], path: Path) -> None:
    """Atomically, so the parent never reads half a file."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(stats, default=str, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def main(argv: list[str]) -> int:
    spec = RunSpec.load(Path(argv[0]))
    setup_logging(spec.log_level, spec.log_format)
    set_log_context(source=spec.source.name, run_id=str(spec.run_id or "-"))
    stats = run(spec)
    if spec.stats_path:
        write_stats(stats, Path(spec.stats_path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
