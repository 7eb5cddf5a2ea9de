"""Whether a text names the site: a site name, a part of one or a slight extension of one."""

from __future__ import annotations

import re
from collections.abc import Iterable

_NON_WORD = re.compile(r"\W+")
_MIN_PART = 4
_MAX_EXTRA = 12


def site_key(text: str) -> str:
    """Letters and digits only, case folded: "Khaama Press" and "khaama-press" compare equal."""
    return _NON_WORD.sub("", text.casefold())


def names_site(text: str, sites: Iterable[str]) -> bool:
    """Whether ``text`` is one of ``sites``' names, a part of one ("Khaama" for "Khaama Press") or the name plus a
    little ("Khaama Press News", "Interscenario" for interscenar.io), not a long text that merely mentions it."""
    key = site_key(text)
    return bool(key) and any(_same_site(key, site_key(site)) for site in sites if site and site_key(site))


def _same_site(key: str, name: str) -> bool:
    if key == name or (len(key) >= _MIN_PART and key in name):
        return True
    return len(name) >= _MIN_PART and name in key and len(key) - len(name) <= _MAX_EXTRA
