"""Loading and validating ``newsarchive.toml``: one clear error line naming the key, never a traceback."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.config.builtin import BUILTIN_SOURCES
from crawler.config.schema import (
    RENDER_MODES,
    SCHEDULER_MODES,
    ArchiveConfig,
    Config,
    CrawlConfig,
    DatabaseConfig,
    MetricsConfig,
    RetentionConfig,
    SchedulerConfig,
    SourceConfig,
    WorkerConfig,
)
from crawler.config.units import parse_duration, parse_size
from crawler.discovery.requisites import SRCSET_MODES
from crawler.errors import ConfigError
from crawler.warc.objectstore import STORE_SCHEME, parse_store_uri

DEFAULT_CONFIG_PATH = Path("newsarchive.toml")
SOURCE_NAME = re.compile(r"^[a-z0-9_-]+$")

ScheduleValidator = Callable[[str, str, str], None]
"""(schedule, timezone, key) → raises ConfigError when the schedule is invalid."""

_DURATION_KEYS = {
    "download_delay",
    "deadline",
    "misfire_grace",
    "stop_timeout",
    "silence_window",
    "jitter",
    "revisit_window",
    "render_timeout",
    "merge_age",
    "requisites_fresh_for",
    "listing_captures",
    "runs",
    "maintain_every",
}
_SIZE_KEYS = {
    "max_file_size",
    "max_page_size",
    "merge_max_size",
    "requisites_max_file_size",
    "requisites_max_page_size",
}
_TOP_LEVEL = {"database", "storage", "archive", "crawl", "scheduler", "metrics", "worker", "retention", "sources"}


def resolve_config_path(explicit: str | None) -> tuple[Path, bool]:
    """The config path and whether the user named it (a named file must exist; the default may not)."""
    if explicit:
        return Path(explicit), True
    from_env = os.environ.get("NEWSARCHIVE_CONFIG")
    if from_env:
        return Path(from_env), True
    return DEFAULT_CONFIG_PATH, False


def load_config(
    explicit_path: str | None = None,
    validate_schedule: ScheduleValidator | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Read, validate and complete the configuration (built-in sources, env overrides, absolute paths)."""
    environ = os.environ if environ is None else environ
    path, named = resolve_config_path(explicit_path)
    raw: dict[str, Any] = {}
    if path.exists():
        raw = _read_toml(path)
    elif named:
        raise ConfigError(f"config file not found: {path}")
    config = parse_config(raw, validate_schedule)
    config = replace(config, path=path.resolve() if path.exists() else None)
    env_url = environ.get("NEWSARCHIVE_DATABASE_URL") or environ.get("DATABASE_URL")
    if env_url:
        config = replace(config, database=DatabaseConfig(url=env_url))
    return config


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error


def parse_config(raw: dict[str, Any], validate_schedule: ScheduleValidator | None = None) -> Config:
    """Build a :class:`Config` from parsed TOML; unknown keys and wrong types raise ConfigError."""
    _reject_unknown(raw, _TOP_LEVEL, "")
    storage = _table(raw, "storage")
    _reject_unknown(storage, {"data_dir"}, "storage.")
    data_dir = Path(_coerce(storage.get("data_dir", "./data"), "str", "storage.data_dir")).resolve()
    archive = _section(ArchiveConfig, _table(raw, "archive"), "archive", {"dir": ""})
    archive_dir = archive.pop("dir") or data_dir / "archive"
    if str(archive_dir).startswith(STORE_SCHEME):
        archive["store"] = _store_uri(str(archive_dir))
        archive_dir = data_dir / "spool"
    if archive.get("prefix") and not SOURCE_NAME.match(archive["prefix"]):
        raise ConfigError("archive.prefix: lowercase letters, digits, '_' or '-' only (it starts WARC file names)")
    config = Config(
        database=DatabaseConfig(**_section(DatabaseConfig, _table(raw, "database"), "database")),
        data_dir=data_dir,
        archive=ArchiveConfig(dir=Path(archive_dir).resolve(), **archive),
        crawl=CrawlConfig(**_section(CrawlConfig, _table(raw, "crawl"), "crawl")),
        scheduler=SchedulerConfig(**_section(SchedulerConfig, _table(raw, "scheduler"), "scheduler")),
        metrics=MetricsConfig(**_section(MetricsConfig, _table(raw, "metrics"), "metrics")),
        worker=WorkerConfig(**_section(WorkerConfig, _table(raw, "worker"), "worker")),
        retention=RetentionConfig(**_section(RetentionConfig, _table(raw, "retention"), "retention")),
    )
    _check_timezone(config.scheduler.timezone, "scheduler.timezone")
    _check_scheduling(config)
    sources = _parse_sources(raw.get("sources", []), config, validate_schedule)
    return replace(config, sources=sources)


def _parse_sources(
    entries: Any, config: Config, validate_schedule: ScheduleValidator | None
) -> tuple[SourceConfig, ...]:
    if not isinstance(entries, list):
        raise ConfigError("sources: expected an array of tables ([[sources]])")
    by_name: dict[str, SourceConfig] = {}
    for entry in BUILTIN_SOURCES:
        by_name[entry["name"]] = _parse_source(entry, "builtin", config, validate_schedule)
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        key = f"sources[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{key}: expected a table")
        source = _parse_source(entry, key, config, validate_schedule)
        if source.name in seen:
            raise ConfigError(f"{key}.name: duplicate source name {source.name!r}")
        seen.add(source.name)
        by_name[source.name] = source  # an entry with a built-in's name replaces it entirely
    return tuple(by_name.values())


def _parse_source(
    entry: dict[str, Any], key: str, config: Config, validate_schedule: ScheduleValidator | None
) -> SourceConfig:
    # ``render`` takes a string or a list, which the generic coercion does not: validated by its own function.
    values = _section(SourceConfig, {name: value for name, value in entry.items() if name != "render"}, key)
    name = values.get("name")
    if not isinstance(name, str) or not SOURCE_NAME.match(name):
        raise ConfigError(f"{key}.name: required, lowercase letters, digits, '_' or '-' (got {name!r})")
    for list_key in ("start_urls", "feeds", "sitemaps", "allowed_domains"):
        values[list_key] = tuple(values.get(list_key, ()))
        for url in values[list_key] if list_key != "allowed_domains" else ():
            if not re.match(r"^https?://[^/\s]+", url):
                raise ConfigError(f"{key}.{list_key}: not an http(s) URL: {url!r}")
    if "recheck" in values:
        values["recheck"] = _recheck(values["recheck"], f"{key}.recheck")
    if "render" in entry:
        values["render"] = _render(entry["render"], f"{key}.render")
    source = SourceConfig(**values)
    if source.render_timeout <= 0 or source.render_max_pages < 0:
        raise ConfigError(f"{key}: render_timeout must be positive and render_max_pages 0 or more")
    _check_patterns(source.requisites_exclude, f"{key}.requisites_exclude")
    if source.requisites_srcset not in SRCSET_MODES:
        raise ConfigError(f"{key}.requisites_srcset: expected one of {', '.join(SRCSET_MODES)}")
    if not (source.start_urls or source.feeds or source.sitemaps):
        raise ConfigError(f"{key}: a source needs at least one of start_urls, feeds, sitemaps")
    if source.article_url_pattern:
        try:
            re.compile(source.article_url_pattern)
        except re.error as error:
            raise ConfigError(f"{key}.article_url_pattern: invalid regex: {error}") from error
    zone = config.source_timezone(source)
    _check_timezone(zone, f"{key}.timezone")
    if validate_schedule is not None:
        validate_schedule(source.schedule, zone, f"{key}.schedule")
    return source


def _check_patterns(patterns: tuple[str, ...], key: str) -> None:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ConfigError(f"{key}: invalid regex {pattern!r}: {error}") from error


def _table(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: expected a table ([{name}])")
    return value


def _recheck(values: tuple[str, ...], key: str) -> tuple[float, ...]:
    """``["15m", "1h", ...]`` → seconds, each later than the one before (``[]``: re-checks off)."""
    steps = tuple(parse_duration(value, key) for value in values)
    if any(step <= 0 for step in steps) or list(steps) != sorted(set(steps)):
        raise ConfigError(f'{key}: expected increasing durations after the first sighting, e.g. ["15m", "1h"]')
    return steps


def _render(value: Any, key: str) -> tuple[str, ...]:
    """``"front"``, ``"all"``, a list of one of them, or ``[]`` / ``""`` (off)."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
        raise ConfigError(f'{key}: expected ["front"], "all" or []')
    chosen = tuple(item for item in values if item)
    unknown = [item for item in chosen if item not in RENDER_MODES]
    if unknown:
        raise ConfigError(f"{key}: unknown {unknown[0]!r}; expected one of {', '.join(RENDER_MODES)}")
    return chosen


def _store_uri(uri: str) -> str:
    """``s3://bucket[/prefix]`` checked here, so a typo is a config error and not a failed upload hours later."""
    try:
        return str(parse_store_uri(uri))
    except ValueError as error:
        raise ConfigError(f"archive.dir: {error}") from error


def _section(cls: type, table: dict[str, Any], prefix: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate one table against a dataclass's fields, converting durations and sizes."""
    known = {f.name: f for f in fields(cls)} | {k: None for k in (extra or {})}
    known.pop("path", None)
    _reject_unknown(table, set(known), f"{prefix}.")
    values: dict[str, Any] = dict(extra or {})
    for name, value in table.items():
        full = f"{prefix}.{name}"
        if name in _DURATION_KEYS:
            values[name] = parse_duration(value, full)
        elif name in _SIZE_KEYS:
            values[name] = parse_size(value, full)
        else:
            field_type = known[name].type if known[name] is not None else "str"
            values[name] = _coerce(value, str(field_type), full)
    return values


def _coerce(value: Any, field_type: str, key: str) -> Any:
    if field_type.startswith("tuple"):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{key}: expected a list of strings")
        return tuple(value)
    expected = {"bool": bool, "int": int, "float": (int, float), "str": str, "Path": str}
    python_type = expected.get(field_type.split(" ")[0])
    if python_type is None:
        return value
    if isinstance(value, bool) and field_type != "bool":
        raise ConfigError(f"{key}: expected {field_type}, got a boolean")
    if not isinstance(value, python_type):
        raise ConfigError(f"{key}: expected {field_type}, got {type(value).__name__} {value!r}")
    return value


def _reject_unknown(table: dict[str, Any], known: set[str], prefix: str) -> None:
    for name in table:
        if name not in known:
            raise ConfigError(f"{prefix}{name}: unknown key")


def _check_scheduling(config: Config) -> None:
    if config.scheduler.mode not in SCHEDULER_MODES:
        modes = ", ".join(SCHEDULER_MODES)
        raise ConfigError(f"scheduler.mode: expected one of {modes}, got {config.scheduler.mode!r}")
    if config.worker.concurrency < 1:
        raise ConfigError(f"worker.concurrency: at least 1, got {config.worker.concurrency}")


def _check_timezone(zone: str, key: str) -> None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"{key}: unknown time zone {zone!r}") from error
