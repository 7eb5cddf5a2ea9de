"""Sources that share a schedule, as one APScheduler job in queue mode: which sources group, and under what id.

100,000 sources on ``*/30 * * * *`` are one job that enqueues them in bulk, not 100,000 jobs that APScheduler
keeps sorted, wakes one by one and runs through its thread pool. A source with jitter keeps a job of its own: its
random delay is its own, and grouping it would make every member of its group wait the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from crawler.config import Config, SourceConfig

GroupKey = tuple[str, str]
"""(schedule, time zone): sources with both equal fire at the same instants."""


def group_key(config: Config, source: SourceConfig) -> GroupKey | None:
    """The group ``source`` is scheduled with; None when it keeps its own job (it has jitter)."""
    if source.jitter:
        return None
    return source.schedule.strip(), config.source_timezone(source)


def group_job_id(key: GroupKey) -> str:
    schedule, zone = key
    return f"schedule:{schedule}@{zone}"


def group_sources(
    config: Config, sources: Iterable[SourceConfig]
) -> tuple[dict[GroupKey, list[SourceConfig]], list[SourceConfig]]:
    """(sources by group, in config order; the sources with a job of their own)."""
    groups: dict[GroupKey, list[SourceConfig]] = {}
    singles: list[SourceConfig] = []
    for source in sources:
        key = group_key(config, source)
        if key is None:
            singles.append(source)
        else:
            groups.setdefault(key, []).append(source)
    return groups, singles
