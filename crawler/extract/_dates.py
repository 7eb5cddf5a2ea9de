"""Page times: ISO 8601, RFC 2822 and common written forms to an aware datetime (offset kept) or a bare date.

Policy: a time with an offset (``Z`` included) stays an aware datetime in that offset; a time without any zone is
ambiguous (server-local? UTC?), so only its day is kept: a ``date``, never an invented zone.
"""

from __future__ import annotations

import email.utils
import re
import warnings
from datetime import date, datetime, timezone

from dateutil import parser as dateutil_parser

from crawler.extract.article import PageTime

_MIN_YEAR, _MAX_YEAR = 1990, 2100
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))


def parse_page_time(value: object) -> PageTime | None:
    """The time ``value`` states, per the module's policy; ``None`` when it is not a plausible complete date."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 80:
        return None
    parsed = _iso(text) or _rfc2822(text) or _written(text)
    return _plausible(_apply_policy(parsed))


def _iso(text: str) -> datetime | date | None:
    if _DATE_ONLY.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    candidate = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    if not re.match(r"^[A-Za-z]{3},?\s+\d", text):
        return None
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _written(text: str) -> datetime | None:
    """Forms like "March 3, 2021 10:15 AM +04:30": accepted only when year, month and day are all written."""
    if not _YEAR.search(text):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown zone names ("EST"): the time stays naive, handled below
            first, second = (dateutil_parser.parse(text, default=default, fuzzy=False) for default in _DEFAULTS)
    except (ValueError, OverflowError, TypeError):
        return None
    if first.date() != second.date():
        return None  # a component came from the defaults: the text does not name a full day
    return first


def _apply_policy(parsed: datetime | date | None) -> PageTime | None:
    if parsed is None or not isinstance(parsed, datetime):
        return parsed
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return parsed.date()
    return parsed.replace(tzinfo=timezone(parsed.utcoffset()))


def _plausible(value: PageTime | None) -> PageTime | None:
    if value is None or not _MIN_YEAR <= value.year <= _MAX_YEAR:
        return None
    return value
