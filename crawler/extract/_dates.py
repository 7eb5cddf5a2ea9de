"""Page times: ISO 8601, RFC 2822 and written forms to an aware datetime (offset kept) or a bare date.

Policy: a time with an offset (``Z`` included) stays an aware datetime in that offset; a time without any zone is
ambiguous (server-local? UTC?), so only its day is kept: a ``date``, never an invented zone. Written dates in the
page's language ("25. September 2018", "05/10/2018" on a French page: 5 October) are read by dateparser, whose
locale data decides month names and the day/month order; this is the one module that calls it.
"""

from __future__ import annotations

import email.utils
import re
import warnings
from datetime import date, datetime, timezone
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from dateparser.date import DateDataParser
from dateutil import parser as dateutil_parser

from crawler.extract.article import PageTime

_MIN_YEAR, _MAX_YEAR = 1990, 2100
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))
_NUMERIC_DAY = re.compile(r"^\s*\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b")
_CLOCK = re.compile(r"\d{1,2}[:.h]\d{2}")
_CLOCK_AFTER = re.compile(r"(?:\s|,|um|at|à|a las|alle)\s*(\d{1,2})[:h](\d{2})(?!\d)(?:\s*([ap])\.?m)?", re.I)
_MAX_LABEL_WORDS = 3
_SHORT_YEAR = re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2}\b")
# A numeric day anywhere in a short text: "05.02.2020 - Redaktion: ...", "Von X 4. 2. 2022.", "12/10/2020".
_NUMERIC_IN_TEXT = re.compile(r"(?<![\w.:/-])(\d{1,4})([./-])\s?(\d{1,2})\2\s?(\d{2,4})(?![\d/-]|\.\d)")
_DATEPARSER_SETTINGS = {"REQUIRE_PARTS": ["day", "month"], "PREFER_LOCALE_DATE_ORDER": True}


def parse_page_time(value: object, language: str | None = None) -> PageTime | None:
    """The time ``value`` states, per the module's policy; ``None`` when it is not a plausible complete date.

    With the page's ``language``, a numeric day ("05/10/2018") is read in that language's day/month order and
    month names of that language are understood.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 80:
        return None
    parsed = _iso(text) or _rfc2822(text)
    if parsed is None and language and _NUMERIC_DAY.match(text):
        parsed = _localised(text, language, None)
    elif parsed is None:
        parsed = _written(text) or (_localised(text, language, None) if language else None)
    return _plausible(_apply_policy(parsed))


def parse_shown_time(
    text: str, language: str | None, base: datetime | None, *, labels: int = _MAX_LABEL_WORDS
) -> datetime | None:
    """A date as a page shows it in its text ("Posted Nov 18, 8:19 PM"), as written: naive wall-clock time.

    A missing year comes from ``base`` (the declared time, when there is one); up to ``labels`` leading words
    ("Posted", "publiziert am") are skipped. The time of day is 00:00 when the text shows none.
    """
    numeric = numeric_day(text, language)
    if numeric is not None and len(text[: _NUMERIC_IN_TEXT.search(text).start()].split()) > labels + 1:
        numeric = None  # a date further on belongs to something else the text runs into
    if numeric is not None:
        clock = _CLOCK_AFTER.search(text)
        moment = datetime(numeric.year, numeric.month, numeric.day)
        if clock and int(clock[1]) < 24 and int(clock[2]) < 60:
            hour = int(clock[1]) % 12 + (12 if (clock[3] or "").lower() == "p" else 0) if clock[3] else int(clock[1])
            moment = moment.replace(hour=hour, minute=int(clock[2]))
        return moment if _plausible(moment) else None
    words = text.split()
    first_number = next((i for i, word in enumerate(words) if any(ch.isdigit() for ch in word)), 0)
    # From the word before the first number ("Posted Nov 18"), then from the number ("publiziert am 25.").
    for start in dict.fromkeys((max(0, first_number - 1), first_number)):
        if start > labels:
            break
        shown = " ".join(words[start:])
        # English is dateutil's alone: what it cannot read there ("2 days ago") dateparser rarely reads better.
        parsed = _english(shown, base) if language == "en" else _localised(shown, language, base)
        if parsed is not None:
            return parsed.replace(tzinfo=None) if _plausible(parsed) else None
    return None


def numeric_day(text: str, language: str | None) -> date | None:
    """The first all-numeric date in ``text``, read in the order of ``language``'s short date format (CLDR via
    Babel: "dd.MM.yy" in German, "M/d/yy" in English, "y/MM/dd" in Japanese); a dotted date is day first."""
    match = _NUMERIC_IN_TEXT.search(text)
    if match is None:
        return None
    first, separator, middle, last = match[1], match[2], int(match[3]), match[4]
    if len(first) == 4:
        year, month, day = int(first), middle, int(last)
    else:
        order = "dmy" if separator == "." else _numeric_order(language)
        if order == "ymd":
            order = "dmy"  # a year written last, in a year-first locale: the day-first reading of most others
        day, month = (int(first), middle) if order == "dmy" else (middle, int(first))
        year = int(last) + (2000 if len(last) == 2 else 0)
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if _MIN_YEAR <= found.year <= _MAX_YEAR else None


@lru_cache(maxsize=64)
def _numeric_order(language: str | None) -> str:
    """``dmy``, ``mdy`` or ``ymd``: the order of day, month and year in ``language``'s short date format."""
    try:
        pattern = Locale.parse(language or "en").date_formats["short"].pattern
    except (UnknownLocaleError, ValueError, TypeError):
        pattern = "M/d/yy"
    positions = {field: pattern.find(field) for field in "dMy"}
    return "".join(sorted("dmy", key=lambda field: positions["M" if field == "m" else field]))


def shows_clock_time(text: str) -> bool:
    """Whether ``text`` writes a time of day ("8:19 PM", "18.54", "20h15"), not only a day."""
    return bool(_CLOCK.search(text))


def _english(text: str, base: datetime | None) -> datetime | None:
    """dateutil's reading of an English date, twenty times faster than dateparser's; ``None`` unless day and month
    (and the year, without ``base``) are written."""
    year = base.year if base is not None else None
    defaults = [datetime(year or 2001, 1, 1), datetime(year or 2002, 2, 2)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown zone names ("ET"): the wall-clock time is what we want
            first, second = (dateutil_parser.parse(text, default=default) for default in defaults)
    except (ValueError, OverflowError, TypeError):
        return None
    return first if first.date() == second.date() else None


def _localised(text: str, language: str | None, base: datetime | None) -> datetime | None:
    parser = _parser(language)
    if parser is None:
        return None
    try:
        parsed = parser.get_date_data(text).date_obj
    except (ValueError, OverflowError, TypeError, KeyError):  # an odd string
        return None
    if parsed is None or _YEAR.search(text) or _SHORT_YEAR.search(text):
        return parsed
    # No year written ("Nov 18, 8:19 PM"): the declared time's year, not the current one; none without it.
    return parsed.replace(year=base.year) if base is not None else None


@lru_cache(maxsize=64)
def _parser(language: str | None) -> DateDataParser | None:
    """One parser per language: dateparser rebuilds its locale tables for every new settings object (~25 ms)."""
    try:
        return DateDataParser(languages=[language] if language else None, settings=_DATEPARSER_SETTINGS)
    except ValueError:  # a language dateparser does not know
        return None


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
