"""The article's title: declarations weighed against the visible headline, without the site-name decoration."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from lxml.html import HtmlElement

from crawler.extract._headline import Headline, visible_headlines
from crawler.extract._headline import key as title_key
from crawler.extract._sites import names_site, site_key

_SEPARATORS = re.compile(r"\s+[|\-\u2013\u2014:·•»«/~]\s+|\s+::\s+|\s*\|\s*")
_MAX_LABEL_WORDS = 3
_SHARED = 0.5
_SHORT = 3
_MIN_STEM = 5
_QUOTES = frozenset("\"'\u201c\u201d\u201e\u2018\u2019")


def choose_title(
    root: HtmlElement,
    url: str,
    declared: list[str | None],
    title_tag: str | None,
    sites: list[str],
    fallback: Callable[[], str | None],
) -> str | None:
    """The visible headline when a declaration (``declared``, most trusted first, or the ``<title>``) confirms
    it; else the most trusted declaration the page confirms elsewhere; else ``fallback()``'s guess.

    A headline a declaration names exactly comes before those it names in part (a section's name in the
    ``<title>`` "Site - Section - Headline"). Declarations lie now and then (a JSON-LD headline holding the
    description, an ``og:title`` holding the site name or an SEO wording of the headline): a title nothing else on
    the page repeats loses to one that is repeated, and the headline readers see is the title, as annotators of
    article pages take it.
    """
    headings = [" ".join(h.text_content().split()) for h in root.xpath("//h1")[:3]]
    headlines = visible_headlines(root, url, {title_key(site) for site in sites if site})
    headings = [*(headline.text for headline in headlines), *headings]
    raw = [text for text in declared if text]
    cleaned = [clean_title(text, sites, headings) for text in [*raw, title_tag] if text]
    if not cleaned:
        return next((headline.text for headline in headlines), None) or clean_title(fallback(), sites, headings)
    keys = {title_key(text) for text in cleaned}
    exact = next((headline for headline in headlines if title_key(headline.text) in keys), None)
    for headline in [exact] if exact else headlines:
        if any(_confirms(text, headline) for text in [*cleaned, *raw, title_tag] if text):
            return _declared_part(headline.text, cleaned, [*raw, title_tag])
    if headlines and headlines[0].marked and not raw and not _mentions_site(headlines[0].text, sites):
        # Only a <title>, naming none of the headlines, and a heading marked as the entry's title: the <title> is
        # the name over every page of the site or section ("Home"), the heading this page's own (unless it
        # speaks of the site itself: a promotion for it).
        return headlines[0].text
    chosen = _untruncated(_confirmed(cleaned, headings, has_tag=bool(title_tag), title_tag=title_tag), cleaned)
    return _as_shown(chosen, headings)


def _mentions_site(text: str, sites: list[str]) -> bool:
    key = site_key(text)
    return any(len(site_key(site)) >= _MIN_STEM and site_key(site) in key for site in sites if site)


def _untruncated(chosen: str, cleaned: list[str]) -> str:
    """A declaration cut at an inner quote (an unescaped ``"`` ends a ``content`` attribute: "Senator calls Biden")
    gives way to one that goes on with the quote ("Senator calls Biden "unfit"")."""
    for other in cleaned:
        rest = other[len(chosen) :].lstrip() if other.startswith(chosen) else ""
        if rest[:1] in _QUOTES:
            return other
    return chosen


def _confirmed(cleaned: list[str], headings: list[str], *, has_tag: bool, title_tag: str | None) -> str:
    """The first title another declaration, the ``<title>`` or a heading repeats (the ``<title>`` never confirms
    itself), else the first."""
    headings_keys = [title_key(text) for text in headings if text]
    for index, title in enumerate(cleaned):
        key = title_key(title)
        from_tag = has_tag and index == len(cleaned) - 1
        tag = [] if from_tag else [title_key(title_tag)]
        others = headings_keys + tag + [title_key(t) for j, t in enumerate(cleaned) if j != index]
        if key and any(key in other for other in others if other):
            return title
    return cleaned[0]


def _confirms(declared: str, headline: Headline) -> bool:
    """Whether a declared title speaks of the headline, kicker included or not: the same words, or most of the
    headline's words."""
    if headline.whole and headline.whole != headline.text:
        whole = Headline(headline.whole, headline.marked)
        if _confirms(declared, whole):
            return True
    shown, said_key = title_key(headline.text), title_key(declared)
    words, said = shown.split(), said_key.split()
    if not words:
        return False
    shared = sum(1 for word in words if any(_same_word(word, other) for other in said))
    if len(words) <= _SHORT:
        # A word or three ("Fachmeldungen", "Minecraft News") is a section's name unless the title starts or ends
        # so, or the heading is marked as the entry's title.
        ends = said[: len(words)], said[-len(words) :]
        in_order = any(len(part) == len(words) and all(map(_same_word, words, part)) for part in ends)
        return in_order or (headline.marked and shared == len(words))
    return shared == len(words) or (shared >= 2 and shared >= _SHARED * len(words))


def _same_word(one: str, other: str) -> bool:
    """The same word, or one inflected or compounded from the other ("nachhaltig" / "nachhaltiger",
    "Chorgeschichte" / "Geschichte"): German and Dutch titles vary their word forms more than English ones."""
    if one == other:
        return True
    return min(len(one), len(other)) >= _MIN_STEM and (one in other or other in one)


def _declared_part(headline: str, cleaned: list[str], raw: list[str | None]) -> str:
    """The part of the headline a declaration holds when the rest is set apart by a separator and declared nowhere:
    a quote or a label before it ("'Reformstau lösen' / Irme Stetter-Karp ist neue ZdK-Präsidentin")."""
    whole = title_key(headline)
    if any(whole in title_key(text) for text in raw if text):
        return headline
    keys = {title_key(text) for text in cleaned}
    for match in _SEPARATORS.finditer(headline):
        for part in (headline[: match.start()], headline[match.end() :]):
            if title_key(part) in keys and title_key(part) != title_key(headline):
                return part.strip()
    return headline


def _as_shown(title: str, headings: list[str]) -> str:
    """The title as the page's <h1> writes it when the two differ only in punctuation: the page's own typographic
    quotes and dashes where og:title has straight ones."""
    key = title_key(title)
    return next((heading for heading in headings if heading and title_key(heading) == key), title)


def clean_title(title: str | None, site_names: Iterable[str], headings: Iterable[str] = ()) -> str | None:
    """``title`` with a leading or trailing segment naming the site removed.

    A segment is the site when it matches a known site name or the domain's label; a heading of the page that
    equals the title's first or last part also proves the rest (site, section) is decoration.
    """
    if not title:
        return None
    title = " ".join(title.split())
    names = [name for name in site_names if name and site_key(name)]
    for heading in headings:
        heading = " ".join(heading.split())
        if len(heading) > 10 and title != heading and _frames(title, heading):
            return heading
    parts = _SEPARATORS.split(title)
    if len(parts) < 2 or not names:
        return title
    if names_site(parts[-1], names):
        return _strip_tail(title, parts[-1])
    if names_site(parts[0], names):
        return title[title.index(parts[0]) + len(parts[0]) :].lstrip(" |-\u2013\u2014:·•»«/~").strip() or title
    return title


def _frames(title: str, heading: str) -> bool:
    """``title`` is ``heading`` plus segments before or after it ("Site - Section - Headline", "Headline | Site")."""
    if title.startswith(heading) and _is_separator(title[len(heading) :]):
        return True
    if not title.endswith(heading):
        return False
    head = title[: -len(heading)]
    if not re.search(r"\S\s*(?:[|\-\u2013\u2014:·•»«/~]|::)\s*$", head):
        return False
    # What precedes is a site or section name, a word or three each, not a headline of its own.
    return all(len(part.split()) <= _MAX_LABEL_WORDS for part in _SEPARATORS.split(head.strip()) if part.strip())


def _is_separator(rest: str) -> bool:
    return bool(re.match(r"^\s*(?:[|\-\u2013\u2014:·•»«/~]|::)\s+\S", rest))


def _strip_tail(title: str, tail: str) -> str:
    head = title[: title.rindex(tail)].rstrip()
    head = re.sub(r"\s*(?:[|\-\u2013\u2014:·•»«/~]|::)\s*$", "", head).strip()
    return head or title
