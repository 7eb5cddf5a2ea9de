"""Dates as the page shows them: the day when nothing declares one, the publisher's zone for a declared UTC time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from lxml.html import HtmlElement

from crawler.extract._byline import byline_block_text, elsewhere
from crawler.extract._dates import parse_shown_time, shows_clock_time
from crawler.extract._document import Marks
from crawler.extract.fallback import CHROME_MARKS

_SHOWN = re.compile(
    r"(?:^|[\s_-])(?:date|time|timestamp|dateline|published|publish-date|post-date|posted-on|entry-date|byline|"
    r"article-?date|meta-date|datepublished|hour|hora|heure|uhrzeit|datum|fecha)",
    re.I,
)
_CLOCK_ONLY = re.compile(r"^\d{1,2}[:.h]\d{2}(?:\s*(?:[ap]\.?m\.?|uhr|hs?|h))?$", re.I)
# A site's header bar showing today's date or a clock is the visit's time, not the article's.
_CHROME = re.compile(CHROME_MARKS, re.I)
_UPDATED = re.compile(r"updat|modif", re.I)
_MAX_ELEMENTS = 8
_MAX_TEXT = 80
_MAX_CLOCKS = 3
_MAX_BYLINE_WORDS = 10
_QUARTER = timedelta(minutes=15)
# A text that may hold a full date: a year, or a numeric day with a two-digit year.
_MAY_HOLD_DAY = re.compile(r"\b(?:19|20)\d{2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2}\b")
_AFTER_HEADLINE, _BEFORE_HEADLINE = 800, 400
"""Characters of text read after and before the headline for the day shown beside it (a dateline, a kicker)."""
_HEADLINE_PREFIX = 60
_NOT_SHOWN = frozenset({"script", "style", "noscript", "template", "option"})
_MAX_OFFSET = timedelta(hours=14)


def shown_texts(marks: Marks) -> list[str]:
    """Short texts of the page's date elements in page order, those of comments and related stories left out."""
    texts: list[str] = []
    search = _SHOWN.search
    for element, values in marks:
        if element.tag != "time" and not search(values):
            continue
        if len(texts) >= _MAX_ELEMENTS:
            break
        text = " ".join(element.text_content().split())
        if text and len(text) <= _MAX_TEXT and any(ch.isdigit() for ch in text) and not _aside(element):
            texts.append(text)
    return list(dict.fromkeys(texts))


def _aside(element: HtmlElement) -> bool:
    if elsewhere(element):
        return True
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):
            break  # a theme's classes for the whole page ("has-top-bar"), not a bar the date sits in
        if node.tag == "nav" or _CHROME.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
        if node.tag == "header" and _site_header(node):
            return True
    return False


def _site_header(header: HtmlElement) -> bool:
    """A ``<header>`` outside the article without the headline: the site's own, whose date is today's."""
    return not header.xpath("ancestor::article") and header.find(".//h1") is None


def shown_day(marks: Marks, language: str | None) -> date | None:
    """The first full date the page shows, unless it is labelled an update."""
    for element_text in shown_texts(marks):
        if _UPDATED.search(element_text):
            continue
        parsed = parse_shown_time(element_text, language, None)
        if parsed is not None:
            return parsed.date()
    # A date in the byline's block without any date markup ("Von Jane Doe publiziert am 25. September 2018").
    block = byline_block_text(marks)
    if block and not _UPDATED.search(block):
        parsed = parse_shown_time(block, language, None, labels=_MAX_BYLINE_WORDS)
        if parsed is not None:
            return parsed.date()
    return None


def headline_day(root: HtmlElement, language: str | None, title: str | None = None) -> date | None:
    """The day shown beside the headline without date markup ("29.11.2022 - Mehrfach ...", "17/02/2022" in a
    category bar): the first date a short text starts with after the headline's ``<h1>``, else the nearest before it,
    outside comments, related stories and the site's header bars."""
    # The <h1> holding the article's title, else the first outside the site's header bars (not its logo).
    headings = [h1 for h1 in root.iter("h1") if not _aside(h1)]
    key = " ".join((title or "").split()).casefold()
    headline = next((h1 for h1 in headings if " ".join(h1.text_content().split()).casefold() == key), None)
    headline = headline if headline is not None else next(iter(headings), None)
    if headline is None:
        return None
    after = headline.xpath("following::text()[normalize-space()][position() <= 60]")
    before = headline.xpath("preceding::text()[normalize-space()][position() <= 30]")
    for texts, budget in ((after, _AFTER_HEADLINE), (before[::-1], _BEFORE_HEADLINE)):
        day = _first_day(texts, budget, language)
        if day is not None:
            return day
    return None


def _first_day(texts: list, budget: int, language: str | None) -> date | None:
    read = 0
    for text in texts:
        if read > budget:
            break
        parent = text.getparent()
        owner = parent.getparent() if text.is_tail and parent is not None else parent
        start = " ".join(text.split())[:_HEADLINE_PREFIX]
        read += len(text)
        if owner is None or owner.tag in _NOT_SHOWN or not _MAY_HOLD_DAY.search(start) or _aside(owner):
            continue
        if _UPDATED.search(start):
            continue
        parsed = parse_shown_time(start, language, None)
        if parsed is not None:
            return parsed.date()
    return None


def _with_clocks(texts: list[str]) -> list[str]:
    """Texts with a day joined to a clock time shown apart right after it ("3 de mayo de 2022", "21:25")."""
    joined: list[str] = []
    for text in texts:
        if _CLOCK_ONLY.match(text) and joined and not shows_clock_time(joined[-1]):
            joined[-1] = f"{joined[-1]} {text}"
        else:
            joined.append(text)
    return joined


def in_shown_zone(declared: datetime, references: list[datetime], marks: Marks, language: str | None) -> datetime:
    """``declared`` (stated in UTC) in the publisher's zone when the page shows one of ``references`` (the
    published or modified time) as local wall-clock time: "November 18, 2019 11:03 PM" for 07:03Z is UTC-8.

    The instant stays the same; only the day and hour as the page's readers see them change. The shown time must
    agree to the minute at a whole quarter-hour offset, so a date of something else on the page does not count.
    """
    if declared.utcoffset() != timedelta(0):
        return declared
    for text in [text for text in _with_clocks(shown_texts(marks)) if shows_clock_time(text)][:_MAX_CLOCKS]:
        shown = parse_shown_time(text, language, declared)
        if shown is None:
            continue
        for reference in references:
            offset = shown - reference.astimezone(UTC).replace(tzinfo=None, second=0, microsecond=0)
            if offset and abs(offset) <= _MAX_OFFSET and offset % _QUARTER == timedelta(0):
                return declared.astimezone(timezone(offset))
    return declared
