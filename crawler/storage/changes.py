"""Is a new version of an article a real edit, or noise? Each version after the first gets a class and the rule.

A version is made whenever title, authors, published time or body differ (``Article.content_hash``). Monitors
want the edits a reader would notice; these rules name the differences nobody would, tried in order:

``extraction_failure``  the new body is empty, or a truncation of the old one (a failed fetch, not an edit)
``whitespace``          only spacing and line breaks differ
``typography``          only quotes, apostrophes, dashes, ellipses, non-breaking spaces or Unicode forms differ
``stamp``               only short dateline lines ("Updated 10:42", "5 March 2026") were added, removed or changed
``boxes``               only short paragraphs starting as related-links or newsletter boxes do ("Read more: …",
                        "Subscribe …") changed

Anything else is ``substantive``, with the fields that changed as the rule (``title``, ``authors``, ``published``,
``body``, joined by ``+``). One changed word in the body is substantive: stealth edits are exactly that small.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

SUBSTANTIVE = "substantive"
TRIVIAL = "trivial"

TRUNCATION_SHARE = 0.8
"""A new body that is the start of the old one and at most this share of its words is a truncation."""
SHORT_PARAGRAPH_WORDS = 25
"""Dateline and box paragraphs are short; a longer changed paragraph is content."""
MAX_DATE_WORDS = 3
"""Words (not numbers) a bare date line may hold: a month, a weekday, "at" ("Monday, 5 March 2026 at 10:42")."""

_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": "",
    }
)  # fmt: skip
_STAMP_WORDS = re.compile(
    r"\b(updated?|last updated|modified|published|posted|aktualisiert|ver[öo]ffentlicht|mis à jour|publié|"
    r"actualizado|publicado|aggiornato|pubblicato|bijgewerkt|gepubliceerd)\b",
    re.IGNORECASE,
)
_TIME_OR_DATE = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b(19|20)\d{2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b")
_BOX_START = re.compile(
    r"\W*(read more|read also|also read|see also|related|recommended|most read|more from|newsletter|subscribe|"
    r"sign up|follow us|lesen sie auch|mehr zum thema|lire aussi|à lire aussi|leer más|lee también|leggi anche)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class VersionText:
    """The fields a version is made of, as stored."""

    title: str | None
    authors: Sequence[str]
    published: str | None
    """The published time as stored (ISO text), compared as text."""
    body: str | None


class Change(NamedTuple):
    kind: str
    """``substantive`` or ``trivial``."""
    rule: str


def classify(before: VersionText, after: VersionText) -> Change:
    """The class of the edit from ``before`` to ``after`` and the rule that decided it (see the module docstring)."""
    if _extraction_failed(before.body or "", after.body or ""):
        return Change(TRIVIAL, "extraction_failure")
    if _fields(before, _spacing) == _fields(after, _spacing):
        return Change(TRIVIAL, "whitespace")
    if _fields(before, _typographic) == _fields(after, _typographic):
        return Change(TRIVIAL, "typography")
    changed = [name for name, old, new in _pairs(before, after) if old != new]
    if changed == ["body"]:
        paragraphs = _changed_paragraphs(before.body or "", after.body or "")
        if paragraphs and all(_is_stamp(paragraph) for paragraph in paragraphs):
            return Change(TRIVIAL, "stamp")
        if paragraphs and all(_is_box(paragraph) for paragraph in paragraphs):
            return Change(TRIVIAL, "boxes")
    return Change(SUBSTANTIVE, "+".join(changed) or "body")


def _extraction_failed(old_body: str, new_body: str) -> bool:
    """Empty where there was text, or the old text cut short (the same words, far fewer of them)."""
    old_words, new_words = old_body.split(), new_body.split()
    if old_words and not new_words:
        return True
    if not old_words or len(new_words) > TRUNCATION_SHARE * len(old_words):
        return False
    return old_words[: len(new_words) - 1] == new_words[:-1]  # the last word may be cut mid-way


def _spacing(text: str) -> str:
    return " ".join(text.split())


def _typographic(text: str) -> str:
    return _spacing(unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY))


def _fields(version: VersionText, normal) -> tuple:
    return (
        normal(version.title or ""),
        tuple(normal(author) for author in version.authors),
        version.published or "",
        normal(version.body or ""),
    )


def _pairs(before: VersionText, after: VersionText) -> list[tuple[str, object, object]]:
    old, new = _fields(before, _typographic), _fields(after, _typographic)
    return list(zip(("title", "authors", "published", "body"), old, new, strict=True))


def _changed_paragraphs(old_body: str, new_body: str) -> list[str]:
    """Paragraphs (lines) that one side has and the other lacks, compared after typographic normalisation."""
    old = [_typographic(line) for line in old_body.splitlines() if line.strip()]
    new = [_typographic(line) for line in new_body.splitlines() if line.strip()]
    changed: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            changed += old[i1:i2] + new[j1:j2]
    return changed


def _is_stamp(paragraph: str) -> bool:
    """A dateline: short, with a time or date and a word such as "Updated", or nothing but a date and time.

    "The toll rose to 12 on 5 March 2026" has a date too, but four words beside it: that is content.
    """
    if len(paragraph.split()) > SHORT_PARAGRAPH_WORDS or not _TIME_OR_DATE.search(paragraph):
        return False
    if _STAMP_WORDS.search(paragraph):
        return True
    words = re.sub(r"[\d\W_]+", " ", paragraph).split()
    return len(words) <= MAX_DATE_WORDS


def _is_box(paragraph: str) -> bool:
    """A related-links or newsletter box: short and opening as one ("Read more: …", "Sign up for …")."""
    return len(paragraph.split()) <= SHORT_PARAGRAPH_WORDS and bool(_BOX_START.match(paragraph))
