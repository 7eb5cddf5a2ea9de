"""The record every discovery parser yields: a URL with the dates its listing gave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass(frozen=True)
class Discovered:
    """A URL found by discovery; dates are aware UTC datetimes or ``None`` when the listing gave none."""

    url: str
    modified: datetime | None = None
    """lastmod, feed ``updated``, WordPress ``modified_gmt``: when the publisher last changed it."""
    published: datetime | None = None
    """Feed ``pubDate``/``published``, ``news:publication_date``, WordPress ``date_gmt``."""

    @property
    def latest(self) -> datetime | None:
        """The newest date known for the URL (modified, else published)."""
        dates = [value for value in (self.modified, self.published) if value is not None]
        return max(dates) if dates else None


def parse_datetime(text: str | None) -> datetime | None:
    """A W3C/ISO 8601 datetime or date as aware UTC; naive values are taken as UTC (WordPress ``*_gmt``)."""
    if not text:
        return None
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        try:
            value = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    return as_utc(value)


def as_utc(value: datetime | date) -> datetime:
    """An aware UTC datetime from a datetime (naive: UTC) or a date (midnight UTC)."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
