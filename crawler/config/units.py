"""Parsing of the human units used in the config: durations ("30s", "15m") and sizes ("20MB")."""

from __future__ import annotations

import re

from crawler.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$", re.IGNORECASE)
_SIZE_FACTORS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
    None: 1,
}


def parse_duration(value: str | int | float, key: str) -> float:
    """Seconds from ``"1h"``, ``"30s"``, ``"250ms"`` or a bare number of seconds."""
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected a duration such as '30s', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ConfigError(f"{key}: expected a duration such as '30s', '15m', '6h', got {value!r}")
        seconds = float(match.group(1)) * _DURATION_SECONDS[match.group(2)]
    if seconds < 0:
        raise ConfigError(f"{key}: a duration cannot be negative")
    return seconds


def is_duration(value: str) -> bool:
    """Whether ``value`` reads as a duration (used to tell intervals from cron expressions)."""
    return bool(_DURATION.match(value))


def parse_size(value: str | int, key: str) -> int:
    """Bytes from ``"20MB"``, ``"1GiB"`` or a bare number of bytes."""
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected a size such as '20MB', got {value!r}")
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.match(str(value))
        if not match:
            raise ConfigError(f"{key}: expected a size such as '20MB' or '1GB', got {value!r}")
        unit = match.group(2).lower() if match.group(2) else None
        size = int(float(match.group(1)) * _SIZE_FACTORS[unit])
    if size <= 0:
        raise ConfigError(f"{key}: a size must be positive")
    return size
