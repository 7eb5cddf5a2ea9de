"""Author names as a clean list: no "By", no roles, no e-mail or URLs, no organisation beside a person."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|published|reported|compiled|edited|story|text|words|photos?)\s+)?"
    r"(?:by|von|par|por|di|door|av|af)\s*[:\-]?\s+",
    re.IGNORECASE,
)
# Conjunctions are matched lower-case only: "E." and "Y." are initials.
_SPLIT = re.compile(r"\s*(?:;|\||/|,|\s&\s|(?i:\band\b)|\bund\b|\bet\b|\s+y\s+|\s+e\s+|(?i:\bwith\b))\s*")
_ROLE = re.compile(
    r"\b(?:staff|writer|reporter|editor|correspondent|contributor|columnist|journalist|author|desk|team|"
    r"editorial|newsroom|news service|wire|updated|published|posted|min read|photographer)\b",
    re.IGNORECASE,
)
_JUNK = re.compile(r"@|https?://|www\.|\.com\b|\d{3,}")
_SPACE = re.compile(r"\s+")
MAX_AUTHORS = 10
_MAX_WORDS = 6


def clean_authors(raw: Iterable[str], organisations: Iterable[str] = ()) -> tuple[str, ...]:
    """Split, clean and dedupe ``raw`` names; drop ``organisations`` when at least one person remains."""
    names: list[str] = []
    for value in raw:
        for part in _SPLIT.split(_PREFIX.sub("", _SPACE.sub(" ", value or "").strip())):
            name = _clean_name(part)
            if name and name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
    orgs = {_key(org) for org in organisations if org}
    people = [name for name in names if _key(name) not in orgs]
    chosen = people or names
    return tuple(chosen[:MAX_AUTHORS])


def _clean_name(part: str) -> str | None:
    name = _PREFIX.sub("", part).strip(" \t.,:;-\u2013\u2014|\"'()[]")
    if not name or _JUNK.search(name) or _ROLE.search(name):
        return None
    if len(name.split()) > _MAX_WORDS or len(name) > 80 or not any(ch.isalpha() for ch in name):
        return None
    if name.isupper() and len(name) > 3:
        name = name.title()
    return name


def _key(name: str) -> str:
    return re.sub(r"\W+", "", name.casefold())
