"""Author names as a clean list: no "By", no roles, no e-mail or URLs, no organisation beside a person."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import import_module

from babel import Locale, UnknownLocaleError

# Archive-link and label boilerplate around a name: "View all posts by Jane Doe", "Zeige alle Beiträge von …",
# "Autor: …", "Text: …", "Follow".
_BOILERPLATE = re.compile(
    r"^\s*(?:(?:view|see|read)\s+(?:all|more)\s+(?:posts|articles|stories)\s+(?:by|from)|"
    r"(?:more\s+)?(?:posts|articles|stories)\s+by|zeige\s+alle\s+beitr(?:ä|ae)ge\s+von|"
    r"alle\s+(?:beitr(?:ä|ae)ge|artikel)\s+von|tous\s+les\s+articles\s+(?:de|par)|"
    r"(?:autor(?:in)?|auteur(?:e)?|author|text|texte|tekst|testo|texto|текст|автор)\s*:?|redaktion\s*:|follow)\s+",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^[\s\-\u2013\u2014]*(?:autor(?:in)?|auteur|author|text|texto|testo|redaktion)\s*:\s*\S", re.I)
_LABEL_ONLY = re.compile(r"^\s*(?:autor(?:in)?|auteur|author|verfasser(?:in)?|redaktion)\s*:\s*$", re.IGNORECASE)
# The next field of a run of labelled fields ("Autor: Jane Doe Tags: ...", "Datum: 03.11.2021 Autor: ...").
_NEXT_FIELD = re.compile(r"\s+\w+\s*:(?:\s|$).*$")
_FOLLOW = re.compile(r"^(?:follow|folgen|suivre|seguir)(?:\s+(?:on|us|me))?$|\s+follow$", re.IGNORECASE)
# "By A and B for The X": the organisation the story was written for is not an author (lower-case "for" only).
_WRITTEN_FOR = re.compile(r"\s+(?:for|special\s+to)\s+(?:the\s+)?\S.*$")
_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|published|reported|compiled|edited|story|text|words|photos?|"
    r"ver(?:ö|oe)ffentlicht|geschrieben|verfasst|publiziert|gepostet|eingestellt|erstellt|beitrag|"
    r"ein\s+(?:beitrag|interview|kommentar|gastbeitrag)|eine\s+(?:kolumne|reportage|analyse)|"
    r"publi(?:é|e)e?|(?:é|e)crite?|publicado|escrito|pubblicato|scritto|un\s+articolo)\s+)?"
    r"(?:by|von|vom|par|por|di|da|door|av|af)\s*[:\-]?\s+",
    re.IGNORECASE,
)
# Separators of names; conjunctions come from the page language's list pattern (CLDR via Babel), matched lower-case
# only ("E." and "Y." are initials). A slash parts two full names, not an agency's credit ("dpa/AP", "red/dpa").
_SPLIT = r"\s*(?:;|\||,|\(|\)|·|•|»|\s&\s|(?i:\band\b)|(?i:\bwith\b){conjunctions})\s*"
_SLASH = re.compile(r"\s*/\s*")
_AGENCY_CODE = re.compile(r"^[A-Za-z][A-Za-z\-]{1,5}$")
# What a staff credit is named: kept when it is all the byline says ("Staff Writer", "Redaktion"), dropped beside
# a person.
_ROLE = re.compile(
    r"\b(?:staff|writer|reporter|editor|correspondent|contributor|columnist|journalist|author|desk|team|"
    r"editorial|newsroom|news service|wire|photographer|redaktion|rédaction|redacción|redazione)\b",
    re.IGNORECASE,
)
_NOT_A_CREDIT = re.compile(r"\b(?:updated|published|posted|min read)\b", re.IGNORECASE)
_INITIAL = re.compile(r"(?:^|\s)[A-Z]\.$")
_JUNK = re.compile(
    r"@|https?://|www\.|\.com\b|\s.*\d{3,}|\d{3,}.*\s|^\d+$|^(?:username|admin|administrator|anonymous|guest|unknown)$",
    re.I,
)
# "jdoe[at]example.net", "jdoe (at) example.net": an e-mail address spelled out against harvesters is no name.
_SPELLED_EMAIL = re.compile(r"\S\s*[\[(]\s*at\s*[\])]\s*\S", re.IGNORECASE)
_URL = re.compile(r"\(?\s*(?:https?://|www\.)\S*\s*\)?")
# Whoever edited, photographed or illustrated is not an author: cut the byline there.
_NOT_AUTHORS = re.compile(
    r"\b(?:(?:edited|reviewed|fact[- ]checked|photos?|illustrations?|graphics)\s+by|"
    r"(?:fotos?|bild(?:er)?|illustration(?:en)?|grafik(?:en)?)\s+von|(?:photos?|illustrations?)\s+(?:de|par))\b.*$",
    re.I,
)
# Words that make a byline entry an organisation ("NJ Advance Media", "Sioux Falls Argus Leader" does not: it stays
# unless a known site name or a person beside it decides).
_ORGANISATION = re.compile(
    r"\b(?:media|news|press|agency|network|group|inc|ltd|llc|gmbh|corp|magazine|newspaper|times|post|daily|"
    r"journal|herald|tribune|gazette|wire|service|services|associated)\b",
    re.IGNORECASE,
)
_CREDENTIAL = re.compile(r"^(?:[A-Z]{2,3}|Ph\.?D|M\.?D|Jr|Sr)\.?$")
_SPACE = re.compile(r"\s+")
_STRIP = " \t.,:;-\u2013\u2014|\"'()[]·•»«\u203a\u2039"
_PARTICLES = frozenset(
    {"al", "bin", "da", "das", "de", "del", "della", "der", "di", "do", "dos", "du", "e", "el", "la", "le", "ten"}
    | {"ter", "van", "von", "y", "zu"}
)
# A byline box's own heading: "Autoreninfo", "Autorenbox", "Author info", "Alle Beiträge" (its archive link).
_BOX_LABEL = re.compile(
    r"^(?:autor(?:en|in)?\s*(?:info|box|profil)\w*|author\s*(?:info|box|bio|profile)|"
    r"(?:alle|all)\s+(?:beitr(?:ä|ae)ge|artikel|posts|articles|stories))$",
    re.IGNORECASE,
)
_NOT_A_NAME = frozenset(
    {"biography", "bio", "by", "comments", "contact", "email", "follow", "menu", "more", "print", "profile"}
    | {"share", "subscribe"}
)
MAX_AUTHORS = 10
_MAX_WORDS = 6


def clean_authors(
    raw: Iterable[str], organisations: Iterable[str] = (), language: str | None = None
) -> tuple[str, ...]:
    """Split, clean and dedupe ``raw`` names; drop ``organisations`` when at least one person remains, and staff
    credits ("Staff Writer") when anyone else is named. ``language`` (the page's) says which conjunction joins
    names ("und", "et", "y")."""
    names: list[str] = []
    organisations = [org for org in organisations if org]
    for value in raw:
        text = _NOT_AUTHORS.sub("", _URL.sub(" ", _SPACE.sub(" ", value or "").strip())).lstrip(" -\u2013\u2014")
        if _BOX_LABEL.match(text.strip(_STRIP)) or _SPELLED_EMAIL.search(text):
            continue
        text = _WRITTEN_FOR.sub("", _PREFIX.sub("", _BOILERPLATE.sub("", text)))
        parts = [part for part in _splitter(language).split(_without_site_suffix(text, organisations))]
        parts = [piece for part in parts for piece in _split_slash(part) if piece.strip(_STRIP)]
        named = False
        for part in parts:
            name = _clean_name(part, alone=len(parts) == 1, language=language)
            if named and name and _ROLE.search(name):
                break  # "Jane Doe, Senior Staff Writer, Example Project": after the role comes the affiliation
            if name and name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
            named = named or bool(name and not _ROLE.search(name))
    credits = [name for name in names if not _ROLE.search(name)] or names
    orgs = {_key(org) for org in organisations}
    people = [name for name in credits if _key(name) not in orgs and not _ORGANISATION.search(name)]
    if any(len(name.split()) > 1 for name in people):
        # Beside full names, a lone capitalised word is an affiliation ("Victor Tangermann, Futurism").
        people = [name for name in people if len(name.split()) > 1 or not name[:1].isupper()]
    chosen = people or credits
    return tuple(chosen[:MAX_AUTHORS])


@lru_cache(maxsize=64)
def _splitter(language: str | None) -> re.Pattern[str]:
    """Name separators with the conjunction of ``language``'s list pattern ("{0} und {1}") besides English's."""
    words = {"und", "et", "y", "e"} if language is None else set()
    if language:
        try:
            pattern = Locale.parse(language).list_patterns["standard"]["2"]
        except (UnknownLocaleError, ValueError, KeyError, TypeError):
            pattern = "{0} and {1}"
        words.add(pattern.replace("{0}", "").replace("{1}", "").strip(" ,\u00a0"))
    words = {word for word in words if word and word.isalpha() and word != "and"}
    alternatives = "".join(f"|\\s+{re.escape(word)}\\s+" for word in sorted(words))
    return re.compile(_SPLIT.format(conjunctions=alternatives))


def _split_slash(part: str) -> list[str]:
    pieces = _SLASH.split(part)
    if len(pieces) > 1 and all(len(piece.split()) >= 2 for piece in pieces):
        return pieces
    if len(pieces) == 2 and len(pieces[0].split()) >= 2 and _AGENCY_CODE.match(pieces[1]):
        return pieces[:1]  # "Jane Doe/SP-X", "Jane Doe/dpa": the agency's short credit after a writer
    return [part]


def _without_site_suffix(text: str, organisations: list[str]) -> str:
    """ "Finian Cunningham. Sputnik International" without the site glued to the name by a stop or a dash, and
    "Example - Jane Doe" without the site set before it."""
    folded = text.casefold()
    for org in organisations:
        if len(org) < 4 or len(text) <= len(org) + 3:
            continue
        if folded.endswith(org.casefold()):
            head = text[: -len(org)]
            if re.search(r"[.,|\-\u2013\u2014]\s*$", head):
                return head.rstrip(" .,|-\u2013\u2014")
        if folded.startswith(org.casefold()):
            tail = text[len(org) :]
            if re.match(r"^\s+[|\-\u2013\u2014]\s+", tail):
                return tail.lstrip(" |-\u2013\u2014")
    return text


def starts_with_byline_word(text: str) -> bool:
    """Whether ``text`` opens as a byline does: "Von ...", "Text von ...", "Par ...", "Autor: ..."."""
    return bool(_PREFIX.match(text) or _LABEL.match(text))


def labels_a_byline(text: str) -> bool:
    """Whether ``text`` is only a byline label ("Autor:", "Redaktion:"): the name follows in the next text."""
    return bool(_LABEL_ONLY.match(text))


def first_field(text: str) -> str:
    """``text`` up to the next labelled field ("Jane Doe Tags: Politik" gives "Jane Doe")."""
    return _NEXT_FIELD.sub("", text).strip()


def is_byline_word(line: str) -> bool:
    """Whether ``line`` is nothing but a byline word ("Von", "By", "Par"): it labels the line after it."""
    return bool(_PREFIX.match(line + " x")) and not _PREFIX.sub("", line + " x").strip(" x")


@lru_cache(maxsize=64)
def _date_tail(language: str | None) -> re.Pattern[str]:
    """A date glued to the end of a byline ("Jane Doe March 3, 2021", "Jane Doe 12. März 2022", "Jane Doe vor 5
    Stunden") in English or ``language``: month names from CLDR (Babel), the words of relative times ("vor",
    "il y a", "ago") from dateparser's locale data."""
    months: set[str] = set()
    ago: set[str] = set()
    for code in dict.fromkeys(("en", language or "en")):
        try:
            locale = Locale.parse(code)
            for width in ("wide", "abbreviated"):
                months |= {name.rstrip(".").lower() for name in locale.months["format"][width].values()}
        except (UnknownLocaleError, ValueError, TypeError):
            pass
        with contextlib.suppress(ImportError):  # a language dateparser has no data for
            ago |= set(import_module(f"dateparser.data.date_translation_data.{code}").info.get("ago", []))
    alternatives = "|".join(re.escape(month) for month in sorted(months, key=len, reverse=True) if len(month) >= 3)
    relative = "|".join(re.escape(word) for word in sorted(ago, key=len, reverse=True))
    return re.compile(
        rf"\s+(?:\d{{1,2}}\.?\s+)?(?:{alternatives})\b\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?,?(?:\s+\d{{4}})?.*$"
        + (rf"|\s+(?:{relative})\s+\d+\s+\S+.*$|\s+\d+\s+\S+\s+(?:{relative})\b.*$" if relative else ""),
        re.IGNORECASE,
    )


def _clean_name(part: str, *, alone: bool = False, language: str | None = None) -> str | None:
    """One name, or ``None``; an all-capitals acronym is a credential after a name ("Jane Doe, MD") and an agency
    when ``alone`` ("AFP")."""
    name = _BOILERPLATE.sub("", _PREFIX.sub("", part)).strip(_STRIP)
    if len(name.split()) >= 3:
        name = _date_tail(language).sub("", name).strip(_STRIP)  # "Jane Doe March 3": a date glued to the byline
    name = _FOLLOW.sub("", name).strip(_STRIP)
    if _INITIAL.search(part.strip(" ,;|·•")) and not name.endswith("."):
        name += "."  # "Nicolas Gutierrez C.": the stop of a final initial is part of the name
    if not name or _JUNK.search(name) or _NOT_A_CREDIT.search(name) or (_CREDENTIAL.match(name) and not alone):
        return None
    if len(name.split()) > _MAX_WORDS or len(name) > 80 or not any(ch.isalpha() for ch in name):
        return None
    if name.isupper() and len(name) > 3:
        name = name.title()
    return name


def _key(name: str) -> str:
    return re.sub(r"\W+", "", name.casefold())


def looks_like_name(name: str) -> bool:
    """A person's or agency's name as a byline shows it: a few capitalised words (particles aside), no digits.

    For text read off the page, where any short line ("Share", "2 min read") may sit inside a byline block.
    """
    words = name.split()
    if not 1 <= len(words) <= _MAX_WORDS - 1 or (len(words) > 1 and any(ch.isdigit() for ch in name)):
        return False
    if len(words) == 1 and any(ch.isdigit() for ch in name):
        # A user name ("r23", "Marianne1"): letters with digits, no clock or count.
        return name[0].isalpha() and not re.search(r"[:/.]", name)
    if name.casefold() in _NOT_A_NAME:
        return False
    # Scripts without case (Korean, Chinese, Arabic...) pass: islower() is false for them.
    return all(not word[0].islower() or word in _PARTICLES for word in words)
