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
_SPLIT = re.compile(
    r"\s*(?:;|\||/|,|\(|\)|\s&\s|(?i:\band\b)|\bund\b|\bet\b|\s+y\s+|\s+e\s+|(?i:\bwith\b)|\bavec\b)\s*"
)
_ROLE = re.compile(
    r"\b(?:staff|writer|reporter|editor|correspondent|contributor|columnist|journalist|author|desk|team|"
    r"editorial|newsroom|news service|wire|updated|published|posted|min read|photographer)\b",
    re.IGNORECASE,
)
_JUNK = re.compile(r"@|https?://|www\.|\.com\b|\d{3,}|^(?:username|admin|administrator|anonymous|guest|unknown)$", re.I)
_URL = re.compile(r"\(?\s*(?:https?://|www\.)\S*\s*\)?")
# Whoever edited, photographed or illustrated is not an author: cut the byline there.
_NOT_AUTHORS = re.compile(r"\b(?:edited|reviewed|fact[- ]checked|photos?|illustrations?|graphics)\s+by\b.*$", re.I)
_MONTH_TAIL = re.compile(
    r"\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?)?,?(?:\s+\d{4})?$",
    re.I,
)
_CREDENTIAL = re.compile(r"^(?:[A-Z]{2,3}|Ph\.?D|M\.?D|Jr|Sr)\.?$")
_SPACE = re.compile(r"\s+")
MAX_AUTHORS = 10
_MAX_WORDS = 6


def clean_authors(raw: Iterable[str], organisations: Iterable[str] = ()) -> tuple[str, ...]:
    """Split, clean and dedupe ``raw`` names; drop ``organisations`` when at least one person remains."""
    names: list[str] = []
    for value in raw:
        text = _NOT_AUTHORS.sub("", _URL.sub(" ", _SPACE.sub(" ", value or "").strip()))
        for part in _SPLIT.split(_PREFIX.sub("", text)):
            name = _clean_name(part)
            if name and name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
    orgs = {_key(org) for org in organisations if org}
    people = [name for name in names if _key(name) not in orgs]
    chosen = people or names
    return tuple(chosen[:MAX_AUTHORS])


def _clean_name(part: str) -> str | None:
    name = _PREFIX.sub("", part).strip(" \t.,:;-\u2013\u2014|\"'()[]")
    if len(name.split()) >= 3:
        name = _MONTH_TAIL.sub("", name)  # "Jane Doe March 3": a date glued to the byline ("Theresa May" stays)
    if not name or _JUNK.search(name) or _ROLE.search(name) or _CREDENTIAL.match(name):
        return None
    if len(name.split()) > _MAX_WORDS or len(name) > 80 or not any(ch.isalpha() for ch in name):
        return None
    if name.isupper() and len(name) > 3:
        name = name.title()
    return name


def _key(name: str) -> str:
    return re.sub(r"\W+", "", name.casefold())
