"""Argument types shared by subcommands (a helper module: it registers no command)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from crawler.config.units import parse_duration
from crawler.errors import ConfigError


def instant(value: str) -> datetime:
    """An ISO 8601 time or date, UTC when it names no zone."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def seconds(value: str) -> float:
    """A duration such as ``30s``, ``15m``, ``90d`` (the config file's syntax), in seconds."""
    try:
        return parse_duration(value, "duration")
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
