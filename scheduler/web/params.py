"""Query-parameter parsing: every bad value becomes a ``BadRequest`` (a 400 with a message), never a 500."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.datastructures import QueryParams

MAX_PAGE = 10_000
MAX_TEXT = 500


class BadRequest(Exception):
    """A query parameter the page cannot use; the message is shown to the reader."""


def text(params: QueryParams, name: str, *, required: bool = False) -> str | None:
    """A stripped string parameter; None when absent or empty."""
    value = (params.get(name) or "").strip()
    if not value:
        if required:
            raise BadRequest(f"{name} is required")
        return None
    if len(value) > MAX_TEXT or "\x00" in value:
        raise BadRequest(f"{name} is too long or contains a NUL character")
    return value


def integer(params: QueryParams, name: str, *, default: int | None = None, low: int = 1, high: int = MAX_PAGE) -> int:
    """A bounded integer parameter (pages, versions)."""
    raw = (params.get(name) or "").strip()
    if not raw:
        if default is None:
            raise BadRequest(f"{name} is required")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


def choice(params: QueryParams, name: str, options: tuple[str, ...]) -> str:
    """One of ``options``; the first when absent."""
    value = (params.get(name) or options[0]).strip()
    if value not in options:
        raise BadRequest(f"{name} must be one of {', '.join(options)}")
    return value


def flag(params: QueryParams, name: str) -> bool:
    """``1``/``true``/``yes`` or ``0``/``false``/``no`` (absent: false)."""
    value = (params.get(name) or "0").strip().lower()
    if value not in ("0", "1", "true", "false", "yes", "no"):
        raise BadRequest(f"{name} must be 0 or 1")
    return value in ("1", "true", "yes")


def zone(params: QueryParams) -> ZoneInfo:
    """The reader's time zone (``tz=Area/City``), UTC by default."""
    name = (params.get("tz") or "UTC").strip()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadRequest(f"tz must be an IANA time zone such as Europe/Paris, not {name[:40]!r}") from None


def day(params: QueryParams, name: str) -> datetime | None:
    """A date (``YYYY-MM-DD``) or ISO instant, as an aware datetime (UTC when no offset is given)."""
    raw = text(params, name)
    if raw is None:
        return None
    try:
        value = (
            datetime.fromisoformat(raw)
            if "T" in raw
            else datetime.combine(date.fromisoformat(raw), datetime.min.time())
        )
    except ValueError:
        raise BadRequest(f"{name} must be a date like 2026-01-31, not {raw[:40]!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
