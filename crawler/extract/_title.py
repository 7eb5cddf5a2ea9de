"""Titles without the site-name decoration (" - Site", "Site | ")."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"\s+[|\-\u2013\u2014:·•»«/~]\s+|\s+::\s+|\s*\|\s*")
_NON_WORD = re.compile(r"\W+")


def _key(text: str) -> str:
    return _NON_WORD.sub("", text.casefold())


def clean_title(title: str | None, site_names: Iterable[str], headings: Iterable[str] = ()) -> str | None:
    """``title`` with a leading or trailing segment naming the site removed.

    A segment is the site when it matches a known site name or the domain's label; a heading of the page that
    equals the title's first part also proves the rest is decoration.
    """
    if not title:
        return None
    title = " ".join(title.split())
    names = {_key(name) for name in site_names if name and _key(name)}
    for heading in headings:
        heading = " ".join(heading.split())
        if (
            len(heading) > 10
            and title != heading
            and title.startswith(heading)
            and _is_separator(title[len(heading) :])
        ):
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


def _is_separator(rest: str) -> bool:
    return bool(re.match(r"^\s*(?:[|\-\u2013\u2014:·•»«/~]|::)\s+\S", rest))


def _strip_tail(title: str, tail: str) -> str:
    head = title[: title.rindex(tail)].rstrip()
    head = re.sub(r"\s*(?:[|\-\u2013\u2014:·•»«/~]|::)\s*$", "", head).strip()
    return head or title
