"""The one logging rule of every command and crawl subprocess: one stderr handler, decided here.

Text for people at a terminal (one line per event), JSON lines when asked (``--log-format json``) or when stderr is
not a terminal (a service, a pipe, a file). Other libraries speak only from WARNING up, and Scrapy's start-up tables
and stats dump (versions, overridden settings, enabled components, "Dumping Scrapy stats") are DEBUG lines: the run's
stats are in ``crawl_runs.stats``, and ``--log-level DEBUG`` shows everything.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_CONTEXT: dict[str, str] = {}


class _ContextFilter(logging.Filter):
    """Adds the run id and source name (when set) to every record, so a crawl's lines can be told apart."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _CONTEXT.items():
            setattr(record, key, value)
        return True


FORMATS = ("text", "json")

_OWN_LOGGERS = frozenset({"crawler", "scheduler", "__main__", "root", "scrapy", "twisted", "py.warnings"})
"""Top-level logger names whose INFO lines are ours to show: the project's, and Scrapy's (a crawl's own narration)."""


class _QuietLibraries(logging.Filter):
    """Drops third-party libraries' records below WARNING (newspaper's "Using requests library…" on every run,
    trafilatura, htmldate, urllib3, charset_normalizer): chatter about their internals, not about our work."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.split(".", 1)[0] in _OWN_LOGGERS


_CHATTER = frozenset(
    {
        "scrapy.utils.log",  # "Scrapy 2.19.0 started", the versions table
        "scrapy.crawler",  # the overridden settings
        "scrapy.middleware",  # enabled downloader/spider middlewares, extensions, pipelines
        "scrapy.addons",
        "scrapy.statscollectors",  # the stats dump
        "scrapy.core.engine",  # spider opened / closing / closed: our runner says when a run starts and ends
    }
)
"""Scrapy loggers whose INFO lines are start-up or shutdown chatter: demoted to DEBUG."""
_ECHOES = frozenset({"scrapy.downloadermiddlewares.robotstxt"})
"""Scrapy loggers whose errors repeat what the spider reports itself: robots.txt failing to download is said once
by the spider's own robots.txt request, in one line (Scrapy's adds a traceback of the network error)."""


class _Chatter(logging.Filter):
    """Demotes Scrapy's start-up and shutdown INFO lines (and its echoes) to DEBUG, then drops them below the level."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if (record.levelno == logging.INFO and record.name in _CHATTER) or record.name in _ECHOES:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return record.levelno >= self.level


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: getattr(record, key) for key in _CONTEXT if hasattr(record, key)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(f"{key}={getattr(record, key)}" for key in _CONTEXT if hasattr(record, key))
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if context:
            line = f"{line} [{context}]"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def log_format(requested: str | None = None) -> str:
    """The format of every log line: the one asked for, else text at a terminal and JSON anywhere else."""
    if requested:
        if requested not in FORMATS:
            raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {requested!r}")
        return requested
    return "text" if sys.stderr.isatty() else "json"


def active_format() -> str:
    """The format this process logs in now (``json`` or ``text``), for processes it starts to log alike."""
    handlers = logging.getLogger().handlers
    return "json" if any(isinstance(handler.formatter, JsonFormatter) for handler in handlers) else "text"


def setup_logging(level: str = "INFO", fmt: str | None = None) -> None:
    """Install the single stderr handler; ``fmt`` is ``text``, ``json`` or None (:func:`log_format` decides).

    Below DEBUG, other libraries speak only from WARNING up; at DEBUG everything shows, for a look inside them.
    """
    fmt = log_format(fmt)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_ContextFilter())
    threshold = logging.getLevelName(level.upper())
    handler.addFilter(_Chatter(threshold))
    if threshold != logging.DEBUG:
        handler.addFilter(_QuietLibraries())
    # On the handler too: Scrapy gives its own loggers level DEBUG, which the root logger's level does not filter.
    handler.setLevel(level.upper())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def set_log_context(**values: str) -> None:
    """Attach key=value pairs (e.g. ``run_id``, ``source``) to every following log line."""
    _CONTEXT.update({key: str(value) for key, value in values.items()})
