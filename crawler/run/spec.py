"""What a crawl subprocess needs to know, passed to it as one JSON file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.config.schema import Config, SourceConfig

if TYPE_CHECKING:
    from crawler.spiders.backfill import BatchWindow


@dataclass(frozen=True)
class RunSpec:
    source: SourceConfig
    run_id: int | None
    database_url: str
    """Empty: no database (WARC-only)."""
    archive_dir: str
    frontier_dir: str = ""
    """Where Scrapy keeps the run's queue of requests on disk (empty: in memory); emptied at each run's start."""
    archive_prefix: str = ""
    archive_max_file_size: int = 10**9
    archive_gzip_level: int = 6
    user_agent: str = ""
    download_delay: float = 1.0
    autothrottle: bool = True
    concurrent_requests_per_domain: int = 2
    max_page_size: int = 20 * 10**6
    extract_mode: str = "default"
    stats_path: str = ""
    log_level: str = "INFO"
    log_format: str | None = None
    """None: :func:`crawler.logs.log_format` decides in the child (its stderr is the parent's)."""
    settings: dict[str, Any] = field(default_factory=dict)
    """Extra Scrapy settings (tests and benchmarks)."""
    backfill: BatchWindow | None = None
    """A back-fill batch's window; None: a normal run."""

    @classmethod
    def for_source(cls, config: Config, source: SourceConfig, **values: Any) -> RunSpec:
        """A spec from the configuration, per-source overrides applied."""
        crawl = config.crawl
        delay = crawl.download_delay if source.download_delay is None else source.download_delay
        return cls(
            source=source,
            archive_dir=str(config.archive.dir),
            frontier_dir=str(config.data_dir / "frontier" / source.name),
            archive_prefix=config.archive.prefix or source.name,
            archive_max_file_size=config.archive.max_file_size,
            archive_gzip_level=config.archive.gzip_level,
            user_agent=crawl.effective_user_agent(),
            download_delay=delay,
            autothrottle=crawl.autothrottle and delay > 0,
            concurrent_requests_per_domain=crawl.concurrent_requests_per_domain,
            max_page_size=source.max_page_size or crawl.max_page_size,
            **values,
        )

    def dump(self, path: Path) -> None:
        data = asdict(self)
        data["backfill"] = self.backfill.to_dict() if self.backfill else None
        path.write_text(json.dumps(data, default=str), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> RunSpec:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["source"] = SourceConfig.from_dict(data["source"])
        if data.get("backfill"):
            from crawler.spiders.backfill import BatchWindow  # the child's import: the parent need not load spiders

            data["backfill"] = BatchWindow.from_dict(data["backfill"])
        return cls(**data)
