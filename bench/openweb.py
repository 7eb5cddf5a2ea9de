"""The open-web metadata dev set: its pages, each page's language, and the scoring rules its README states."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from bench.metadata import LabelledPage, Rules
from crawler.extract import clean_text, decode_html, detect_language, parse_html, primary_tag

_QUOTES = "\"'\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b\u00ab\u00bb\u2039\u203a`\u00b4"
# The README's separators of names: ";" "," "&" "and" "und" (whole words).
_NAME_SPLIT = re.compile(r"\s*(?:;|,|&|\band\b|\bund\b)\s*", re.IGNORECASE)


def open_web_set(folder: Path, limit: int | None = None, *, grouped: bool = True) -> list[LabelledPage]:
    """``annotations.json`` (``{url: {file, title?, author?, date?}}``) and ``pages/``, in URL order; each page's
    language as its group unless not ``grouped`` (which saves parsing every page once more)."""
    data = json.loads((folder / "annotations.json").read_text(encoding="utf-8"))
    pages = []
    for url in sorted(data)[:limit]:
        labels = data[url]
        with gzip.open(folder / labels["file"]) as file:
            raw = file.read()
        snippets = [labels.get("title") or "", *labels.get("with", []), *labels.get("without", [])]
        pages.append(
            LabelledPage(
                name=labels["file"],
                url=url,
                raw=raw,
                title=labels.get("title"),
                authors=labels.get("author"),
                day=labels.get("date"),
                group=page_language(raw, " ".join(snippets)) if grouped else None,
            )
        )
    return pages


def page_language(raw: bytes, annotated_text: str) -> str:
    """The page's language for grouping scores, independent of the extractor under test: the majority of a guess
    from the annotated snippets, a guess from the page's paragraphs and the page's own ``lang`` (in that order on a
    tie), since each of the three is wrong now and then (a German page declared ``en`` by its theme)."""
    root = parse_html(clean_text(decode_html(raw)))
    paragraphs = " ".join(p.text_content() for p in root.xpath("//p")[:200])
    votes = [detect_language(annotated_text), detect_language(paragraphs), primary_tag(root.get("lang"))]
    counted = Counter(vote for vote in votes if vote)
    if not counted:
        return "other"
    top = max(counted.values())
    return next(vote for vote in votes if vote and counted[vote] == top)


def fold(text: str | None) -> str:
    """Case folded, spaces collapsed, surrounding quotes stripped."""
    return " ".join((text or "").split()).casefold().strip(_QUOTES).strip()


def title_equal(expected: str | None, found: str | None) -> bool:
    return bool(found) and fold(expected) == fold(found)


def names(byline: str | Iterable[str] | None) -> set[str]:
    """The set of folded names of a byline, split on the README's separators."""
    text = byline if isinstance(byline, str) or byline is None else "; ".join(byline)
    return {fold(part) for part in _NAME_SPLIT.split(text or "") if fold(part)}


def authors_equal(expected: str | list[str] | None, found: Iterable[str]) -> bool:
    found_names = names(list(found))
    return bool(found_names) and names(expected) == found_names


def day_equal(expected: str | None, found: str | None) -> bool:
    """The annotated day is the day the answer states in its own offset, or its UTC day."""
    if not expected or not found:
        return False
    if found[:10] == expected:
        return True
    try:
        parsed = datetime.fromisoformat(found)
    except ValueError:
        return False
    return parsed.tzinfo is not None and parsed.astimezone(UTC).date().isoformat() == expected


OPEN_WEB_RULES = Rules(title=title_equal, authors=authors_equal, day=day_equal)
