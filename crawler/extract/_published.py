"""Publication and modification times: the page's declarations weighed, else its shown day, URL day, htmldate's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from lxml.html import HtmlElement

from crawler.extract._dates import parse_page_time
from crawler.extract._document import Marks
from crawler.extract._meta import PageMeta
from crawler.extract._shown_dates import headline_day, in_shown_zone, shown_day
from crawler.extract._urls import url_day
from crawler.extract.article import PageTime
from crawler.extract.fallback import FallbackMetadata

_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "itemprop:datepublished",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "publish-date",
    "publishdate",
    "pubdate",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "date",
)
_GENERIC_META = frozenset({"date", "dc.date", "dcterms.created"})
"""Keys that name some day of the document's life, not specifically its publication."""
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "itemprop:datemodified",
    "datemodified",
    "dcterms.modified",
)


_RESAVED = timedelta(minutes=10)
_MAX_EAST, _MAX_WEST = 14, 12
"""Hours of the furthest UTC offsets in use (UTC+14, UTC-12)."""


class PageDates:
    """The times one page states, read once."""

    def __init__(
        self,
        root: HtmlElement,
        marks: Marks,
        article: dict[str, Any],
        page: dict[str, Any],
        meta: PageMeta,
        language: str | None,
        title: str | None = None,
    ) -> None:
        self._root, self._marks, self._language, self._title = root, marks, language, title
        self._article, self._page, self._meta = article, page, meta

    def modified(self) -> PageTime | None:
        """The first declared modification time."""
        values = [self._article.get("dateModified"), self._page.get("dateModified"), *self._meta.all(*_MODIFIED_META)]
        return first_time(_parsed(values, self._language))

    def published(self, url: str, fallback: FallbackMetadata, modified: PageTime | None) -> PageTime | None:
        """The publication time the page declares (never its modification time), in the zone the page shows it;
        else the day its text shows; else the day in its URL; else the day beside its headline; else htmldate's.

        Declarations are weighed against the day the page shows: see :meth:`_weighed`."""
        stated = self._declared()
        declared = first_time([time for _, time in stated])
        if declared is None:
            return (
                shown_day(self._marks, self._language)
                or url_day(url)
                or headline_day(self._root, self._language, self._title)
                or parse_page_time(fallback.date())
            )
        declared = self._weighed(declared, stated, modified)
        if isinstance(declared, datetime):
            references = [t for t in (declared, modified) if isinstance(t, datetime)]
            return in_url_day(in_shown_zone(declared, references, self._marks, self._language), url_day(url))
        return declared

    def _declared(self) -> list[tuple[str, PageTime]]:
        """Every declared publication time with where it was declared, in order of trust."""
        values = [("jsonld", self._article.get("datePublished")), ("jsonld", self._page.get("datePublished"))]
        values += [(key, value) for key in _PUBLISHED_META for value in self._meta.values.get(key, ())]
        values += [("time", value) for value in _published_time_elements(self._root)]
        found = []
        for key, value in values:
            parsed = _parsed([value], self._language)
            if parsed:
                found.append((key, parsed[0]))
        return found

    def _weighed(self, declared: PageTime, stated: list[tuple[str, PageTime]], modified: PageTime | None) -> PageTime:
        """The declaration the page's shown day confirms, when the declarations leave room for doubt: they
        disagree on the day (the one shown wins), they are only a generic ``date`` (a day of the document's life:
        the day shown wins), or one save stamped publication and modification together (a CMS re-saving an old
        article: an earlier day shown wins)."""
        days = {_day(time) for _, time in stated}
        generic = all(key in _GENERIC_META for key, _ in stated)
        resaved = _stamped_together(declared, modified)
        if len(days) == 1 and not generic and not resaved:
            return declared
        shown = shown_day(self._marks, self._language) or headline_day(self._root, self._language, self._title)
        if shown is None or shown in _days(declared) or (modified is not None and shown in _days(modified)):
            return declared  # a page that shows its update's day still declares the original publication
        confirmed = next((time for _, time in stated if shown in _days(time)), None)
        if confirmed is not None:
            return confirmed
        if generic or (resaved and shown < _day(declared)):
            return shown
        return declared


def _day(time: PageTime) -> date:
    return time.date() if isinstance(time, datetime) else time


def _days(time: PageTime) -> set[date]:
    """The day a time states in its own offset and its UTC day."""
    if isinstance(time, datetime):
        return {time.date(), time.astimezone(UTC).date()}
    return {time}


def _stamped_together(published: PageTime, modified: PageTime | None) -> bool:
    """Published at or just after the modification: one save stamped both (a post scheduled days after its
    last edit is published later by design, and keeps its day)."""
    if not isinstance(published, datetime) or not isinstance(modified, datetime):
        return False
    return timedelta(0) <= published - modified <= _RESAVED


def in_url_day(declared: datetime, day: date | None) -> datetime:
    """A time stated in UTC, near midnight, in the nearest whole-hour offset that puts it on the day its URL states
    ("/2019/01/01/" for 2018-12-31T23:11Z): a URL's date path is the publisher's own day. Same instant."""
    if day is None or declared.utcoffset() != timedelta(0) or declared.date() == day:
        return declared
    if day == declared.date() + timedelta(days=1):
        hours = 24 - declared.hour
    elif day == declared.date() - timedelta(days=1):
        hours = -(declared.hour + 1)
    else:
        return declared
    if not -_MAX_WEST <= hours <= _MAX_EAST:
        return declared
    return declared.astimezone(timezone(timedelta(hours=hours)))


def _parsed(values: list[Any], language: str | None) -> list[PageTime]:
    found = []
    for value in values:
        if isinstance(value, list):
            value = value[0] if value else None
        parsed = parse_page_time(value, language)
        if parsed is not None:
            found.append(parsed)
    return found


def first_time(found: list[PageTime]) -> PageTime | None:
    """The first stated time; a day-only first answer gives way to a later full time of that same day."""
    if not found:
        return None
    first = found[0]
    if not isinstance(first, datetime):
        return next((t for t in found[1:] if isinstance(t, datetime) and t.date() == first), first)
    return first


def _published_time_elements(root: HtmlElement) -> list[str]:
    """``<time datetime>`` values of the article: those marked as the publication first, then the first one
    inside ``<article>``. An unmarked ``<time>`` elsewhere (a site header's "today") is not evidence."""
    marked, in_article = [], []
    for element in root.xpath("//time[@datetime][not(ancestor::blockquote)]"):  # a quoted or embedded post
        hint = " ".join(filter(None, (element.get("class"), element.get("itemprop")))).lower()
        if element.get("pubdate") is not None:
            hint += " pubdate"
        if "modif" in hint or ("updat" in hint and "publish" not in hint and "entry-date" not in hint):
            continue
        if any(word in hint for word in ("publish", "entry-date", "post-date", "pubdate", "datecreated")):
            marked.append(element.get("datetime"))
        elif element.xpath("ancestor::article"):
            in_article.append(element.get("datetime"))
    return marked + in_article[:1]
