"""A source's rules for page requisites: what is never fetched, how long an archived one stays fresh, size caps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.config.schema import SourceConfig
from crawler.discovery.requisites import compile_patterns, excluded


@dataclass(frozen=True)
class RequisitePolicy:
    exclude: tuple[re.Pattern[str], ...]
    fresh_for: timedelta
    max_file_size: int
    max_page_size: int
    srcset: str = "largest"

    @classmethod
    def from_source(cls, source: SourceConfig) -> RequisitePolicy:
        return cls(
            exclude=compile_patterns(source.requisites_exclude),
            fresh_for=timedelta(seconds=source.requisites_fresh_for),
            max_file_size=source.requisites_max_file_size,
            max_page_size=source.requisites_max_page_size,
            srcset=source.requisites_srcset,
        )

    def excludes(self, url: str) -> bool:
        """An ad or tracker (built-in list) or a URL the source excludes."""
        return excluded(url, self.exclude)

    def fresh(self, answered_at: datetime, now: datetime | None = None) -> bool:
        """Answered within the freshness period: not asked again."""
        return (now or datetime.now(UTC)) - answered_at < self.fresh_for
