"""Titles without the site-name decoration (" - Site", "Site | ")."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"\s+[|\-\u2013\u2014:·•»«/~]\s+|\s+::\s+|\s*\|\s*")
_NON_WORD = re.compile(r"\W+")
_MAX_LABEL_WORDS = 3


def _key(text: str) -> str:
    return _NON_WORD.sub("", text.casefold())


def clean_title(title: str | None, site_names: Iterable[str], headings: Iterable[str] = ()) -> str | None:
    """``title`` with a leading or trailing segment naming the site removed.

    A segment is the site when it matches a known site name or the domain's label; a heading of the page that
    equals the title's first or last part also proves the rest (site, section) is decoration.
    """
    if not title:
        return None
    title = " ".join(title.split())
    names = {_key(name) for name in site_names if name and _key(name)}
    for heading in headings:
        heading = " ".join(heading.split())
        if len(heading) > 10 and title != heading and _frames(title, heading):
            return heading
    parts = _SEPARATORS.split(title)
    if len(parts) < 2 or not names:
        return title
    if _names_site(parts[-1], names):
        return _strip_tail(title, parts[-1])
    if _names_site(parts[0], names):
        return title[title.index(parts[0]) + len(parts[0]) :].lstrip(" |-\u2013\u2014:·•»«/~").strip() or title
    return title


def _names_site(segment: str, names: set[str]) -> bool:
    key = _key(segment)
    # A segment may be part of the site's name ("Khaama" for "Khaama Press") or the name plus a little ("Khaama
    # Press News"), not a long text that merely mentions it.
    return bool(key) and any(_same_site(key, name) for name in names)


def _same_site(key: str, name: str) -> bool:
    if key == name or (len(key) >= 4 and key in name):
        return True
    return len(name) >= 4 and name in key and len(key) - len(name) <= 12


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
