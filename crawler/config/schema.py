"""The configuration's typed shape and defaults (the design's contract)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawler import __version__

DEFAULT_CONTACT_URL = "https://github.com/newsarchive/newsarchive"


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = ""
    """Empty: the embedded PostgreSQL in ``<data_dir>/postgres``."""


@dataclass(frozen=True)
class ArchiveConfig:
    dir: Path = Path("data/archive")
    """Where crawls write WARCs: the archive itself, or with ``store`` set, the local spool uploads drain."""
    store: str = ""
    """``s3://bucket/prefix`` when ``[archive] dir`` names an object store; empty for a local archive."""
    endpoint_url: str = ""
    """The S3 endpoint (a SeaweedFS, MinIO or Ceph URL); empty: ``AWS_ENDPOINT_URL`` or AWS itself."""
    region: str = ""
    """The S3 region; empty: ``AWS_REGION`` / ``AWS_DEFAULT_REGION``."""
    max_file_size: int = 10**9
    prefix: str = ""
    """WARC file name prefix; empty: the source's name, so a source's files sort together."""
    gzip_level: int = 6
    merge: bool = True
    """Merge closed small WARC files (one per run) into large ones after runs (``crawler.warc.mergeplan``)."""
    merge_max_size: int = 10**9
    """No merged file grows past this; Heritrix and Browsertrix roll at about 1 GB too."""
    merge_fan_in: int = 10
    """Consecutive files of one size class merged at once."""
    merge_age: float = 86400.0
    """Seconds after which closed neighbours merge even fewer than ``merge_fan_in`` at a time."""


@dataclass(frozen=True)
class CrawlConfig:
    user_agent: str = ""
    contact_url: str = ""
    download_delay: float = 1.0
    max_page_size: int = 20 * 10**6
    deadline: float = 3600.0
    concurrent_requests_per_domain: int = 2
    autothrottle: bool = True

    def effective_user_agent(self) -> str:
        """The configured User-Agent, or ours with a contact URL so publishers can reach the operator."""
        if self.user_agent:
            return self.user_agent
        return f"newsarchive/{__version__} (+{self.contact_url or DEFAULT_CONTACT_URL})"


@dataclass(frozen=True)
class SchedulerConfig:
    timezone: str = "UTC"
    max_concurrent_crawls: int = 2
    misfire_grace: float = 600.0
    stop_timeout: float = 30.0
    mode: str = "local"
    """``local``: the daemon runs each due crawl itself; ``queue``: it enqueues them for ``newsarchive worker``s."""


SCHEDULER_MODES = ("local", "queue")
RENDER_MODES = ("front", "all")


@dataclass(frozen=True)
class WorkerConfig:
    """A queue worker (``newsarchive worker``): how many crawls at once, and the name its runs are recorded with."""

    concurrency: int = 2
    name: str = ""
    """Empty: ``hostname:pid``; the environment's ``NEWSARCHIVE_WORKER_NAME`` wins over both."""


@dataclass(frozen=True)
class MetricsConfig:
    listen: str = "127.0.0.1:9410"


@dataclass(frozen=True)
class RetentionConfig:
    """How long the database keeps what the WARCs hold anyway (``crawler.storage.retention``); 0 keeps forever."""

    listing_captures: float = 90 * 86400.0
    """``captures`` rows of listing pages, feeds, sitemaps, robots.txt, the API and CDX listings."""
    runs: float = 90 * 86400.0
    """``crawl_runs`` rows, a month at a time: a month's partition goes once all of it is older than this."""
    maintain_every: float = 6 * 3600.0
    """How often the daemon applies it and makes the coming months' partitions."""


DEFAULT_RECHECK = (15 * 60.0, 3600.0, 3 * 3600.0, 12 * 3600.0, 3 * 86400.0, 30 * 86400.0)
"""15 min, 1 h, 3 h, 12 h, 3 d, 30 d: most corrections come in the first hours, a few days or weeks later."""


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One publisher: where to discover its articles, how politely, and when."""

    name: str
    title: str = ""
    spider: str = "news"
    start_urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    schedule: str = "*/30 * * * *"
    timezone: str = ""
    enabled: bool = True
    silence_window: float = 86400.0
    jitter: float = 0.0
    article_url_pattern: str = ""
    """Regex an article URL matches on section pages; empty: any same-site link that looks like an article."""
    wp_api: bool = False
    """Whether to list posts through the WordPress REST API (the ``khaama`` spider turns it on)."""
    revisit_window: float = 0.0
    """Articles first seen less than this long ago are refetched each run to catch corrections."""
    max_articles: int = 0
    """Stop a run after this many article pages (0: no limit); a back-fill guard."""
    recheck: tuple[float, ...] = DEFAULT_RECHECK
    """Seconds after an article's first sighting (or its last real edit) at which it is fetched again, whether or
    not a listing still names it; empty: never re-checked."""
    download_delay: float | None = None
    max_page_size: int | None = None
    deadline: float | None = None
    render: tuple[str, ...] = ()
    """Pages rendered in headless Chromium (screenshot, DOM, everything they load): ``("front",)`` the start
    URLs, ``("all",)`` every archived HTML page; empty: none (the default)."""
    render_timeout: float = 30.0
    """Seconds one render may take (loading, scrolling, the picture) before it is given up."""
    render_max_pages: int = 20
    """Pages rendered per run at most (0: no limit)."""
    requisites: bool = True
    """Fetch what archived articles and listings load (stylesheets, fonts, scripts, images), so that they replay as
    readers saw them (``crawler.spidermiddlewares.requisites``); off: their HTML only."""
    requisites_srcset: str = "largest"
    """Of an image's ``srcset``: ``largest`` (beside ``src``; what a desktop browser shows) or ``all`` candidates
    (every screen's choice replays, at a request per size)."""
    requisites_exclude: tuple[str, ...] = ()
    """Regexes (searched in the URL) of requisites never fetched, beside the built-in ads and trackers list."""
    requisites_hosts: tuple[str, ...] = ()
    """Private or loopback hosts requisites may come from (the SSRF guard refuses those the source does not name)."""
    requisites_fresh_for: float = 7 * 86400.0
    """Seconds an archived requisite is not asked again; after that it is re-asked with its validators (a 304)."""
    requisites_max_file_size: int = 10 * 10**6
    """Bytes one requisite may have before it is cut (archived marked ``WARC-Truncated: length``)."""
    requisites_max_page_size: int = 50 * 10**6
    """Bytes all of one page's requisites may have together; past it the page's remaining ones are not fetched."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceConfig:
        values = dict(data)
        for key in ("start_urls", "feeds", "sitemaps", "allowed_domains"):
            values[key] = tuple(values.get(key, ()))
        for key in ("recheck", "render", "requisites_exclude", "requisites_hosts"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    data_dir: Path = Path("data")
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    worker: WorkerConfig = field(default_factory=WorkerConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    sources: tuple[SourceConfig, ...] = ()
    path: Path | None = None
    """The file this was loaded from (None: built-in defaults only)."""

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def source_timezone(self, source: SourceConfig) -> str:
        return source.timezone or self.scheduler.timezone
