"""Metadata bench: title, authors and publication day of ours and of trafilatura, newspaper4k and htmldate alone."""

from __future__ import annotations

import gzip
import json
import logging
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.metrics import authors_match, byline_matches, day_matches, title_matches
from crawler.extract import clean_text, decode_html, extract_metadata, parse_html, primary_tag

log = logging.getLogger(__name__)

FIELDS = ("title", "authors", "day")
SYSTEMS = {"ours": "ours", "traf": "trafilatura", "np4k": "newspaper4k", "hd": "htmldate"}
MIN_GROUP = 5
"""Language groups smaller than this are scored together as ``other``: a rate over two pages says nothing."""
_PLACEHOLDER_URL = "https://example.invalid/article"  # newspaper4k needs some URL; the Readability set has none


@dataclass(frozen=True)
class LabelledPage:
    """One page and what a reader sees on it; ``None`` (or no authors) where the set states nothing."""

    name: str
    url: str
    raw: bytes
    title: str | None
    authors: str | list[str] | None
    day: str | None
    lang: str | None = None
    """The language the set states for the page, scored against ours."""
    group: str | None = None
    """The language the page's scores are grouped under."""


@dataclass(frozen=True)
class Guess:
    """One system's answer for one page."""

    title: str | None
    authors: list[str]
    day: str | None
    language: str | None = None


@dataclass(frozen=True)
class Rules:
    """How a set compares an answer with its label, per field."""

    title: Callable[[str, str | None], bool]
    authors: Callable[[Any, list[str]], bool]
    day: Callable[[str, str | None], bool]


def _english_authors(expected: str | list[str], found: list[str]) -> bool:
    """Our annotations list names (each whole); Readability's expectations are bylines as written."""
    return authors_match(expected, found) if isinstance(expected, list) else byline_matches(expected, found)


ENGLISH_RULES = Rules(title=title_matches, authors=_english_authors, day=day_matches)


@dataclass(frozen=True)
class PageSet:
    """A labelled set as the bench scores it: its pages, its rules, the systems compared on it."""

    label: str
    prefix: str
    pages: list[LabelledPage]
    rules: Rules = ENGLISH_RULES
    systems: tuple[str, ...] = tuple(SYSTEMS)


def readability_set(folder: Path, limit: int | None = None) -> list[LabelledPage]:
    """Readability's test pages: ``expected-metadata.json`` (title, byline, publishedTime, lang) + ``pages/``."""
    expected = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
    names = sorted(expected)[:limit]
    return [
        LabelledPage(
            name,
            "",
            _gunzip(folder / "pages" / f"{name}.html.gz"),
            expected[name].get("title"),
            expected[name].get("byline"),
            expected[name].get("publishedTime"),
            expected[name].get("lang"),
        )
        for name in names
    ]


def annotated_set(annotations: Path, bodies: Path, limit: int | None = None) -> list[LabelledPage]:
    """Our hand annotations (``bench/data/metadata-annotations.json``) of the article-extraction set's pages."""
    data = json.loads(annotations.read_text(encoding="utf-8"))["pages"]
    names = sorted(data)[:limit]
    return [
        LabelledPage(
            name,
            data[name]["url"],
            _gunzip(bodies / "html" / f"{name}.html.gz"),
            data[name].get("title"),
            data[name].get("authors") or None,
            data[name].get("day"),
        )
        for name in names
        if (bodies / "html" / f"{name}.html.gz").exists()
    ]


def _gunzip(path: Path) -> bytes:
    with gzip.open(path) as file:
        return file.read()


def ours(html: str, url: str) -> Guess:
    found = extract_metadata(parse_html(html), url)
    day = found.published_at.isoformat() if found.published_at else None
    return Guess(found.title, list(found.authors), day, found.language)


def trafilatura_alone(html: str, url: str) -> Guess:
    from trafilatura.metadata import extract_metadata as trafilatura_metadata

    found = trafilatura_metadata(html, default_url=url or None)
    authors = [name.strip() for name in (found.author or "").split(";") if name.strip()]
    return Guess(found.title, authors, found.date)


def newspaper_alone(html: str, url: str) -> Guess:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # newspaper4k warns at import that NLTK is absent
        from newspaper import Article

    article = Article(url or _PLACEHOLDER_URL, fetch_images=False)
    article.download(input_html=html)
    article.parse()
    day = article.publish_date.isoformat() if article.publish_date else None
    return Guess(article.title or None, list(article.authors), day)


def htmldate_alone(html: str, url: str) -> Guess:
    """htmldate's publication day as trafilatura asks for it (original date, extensive search)."""
    from htmldate import find_date

    return Guess(None, [], find_date(html, url=url or None, original_date=True, extensive_search=True))


RUNNERS: dict[str, Callable[[str, str], Guess]] = {
    "ours": ours,
    "traf": trafilatura_alone,
    "np4k": newspaper_alone,
    "hd": htmldate_alone,
}
_ANSWERS = {"hd": ("day",)}  # htmldate states a day only; the other systems every field


def _safe(system: Callable[[str, str], Guess], html: str, url: str) -> Guess:
    try:
        return system(html, url)
    except Exception as error:  # a baseline library failing on a page scores that page as a miss
        log.warning("%s failed on %s: %r", system.__name__, url, error)
        return Guess(None, [], None)


@dataclass
class _Tally:
    """Pages and hits per (group, system, field), CPU seconds per system."""

    hits: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    pages: Counter[tuple[str, str]] = field(default_factory=Counter)
    cpu: Counter[str] = field(default_factory=Counter)
    language_pages: int = 0
    language_hits: int = 0


def score_set(page_set: PageSet, mismatches: list[dict[str, Any]] | None = None) -> dict[str, float | int]:
    """``{prefix}_{field}_pages`` and ``{prefix}_{system}_{field}`` accuracies over the pages that state a field,
    the same per language group (``{prefix}_{group}_...``) when the set has groups, and each system's CPU ms/page.

    ``mismatches``, when given, receives one record per page that some system got wrong.
    """
    tally = _Tally()
    groups = _groups(page_set.pages)
    for page in page_set.pages:
        html = clean_text(decode_html(page.raw))
        record: dict[str, Any] = {"name": page.name, "url": page.url, "group": groups.get(page.group)}
        for system in page_set.systems:
            started = time.process_time()
            runner = RUNNERS[system]
            guess = runner(html, page.url) if system == "ours" else _safe(runner, html, page.url)
            tally.cpu[system] += time.process_time() - started
            for name, matched in _matches(page, guess, page_set.rules, _ANSWERS.get(system, FIELDS)).items():
                for group in filter(None, ("all", groups.get(page.group))):
                    tally.hits[group, system, name] += matched
                if not matched:
                    record.setdefault("wrong", []).append(f"{system}:{name}")
            record[system] = {"title": guess.title, "authors": guess.authors, "day": guess.day}
            if system == "ours" and page.lang:
                tally.language_pages += 1
                tally.language_hits += guess.language == primary_tag(page.lang)
        for name in FIELDS:
            if getattr(page, name):
                for group in filter(None, ("all", groups.get(page.group))):
                    tally.pages[group, name] += 1
        if mismatches is not None and "wrong" in record:
            record["expected"] = {"title": page.title, "authors": page.authors, "day": page.day}
            mismatches.append(record)
    return _summary(page_set, tally, len(page_set.pages))


def _groups(pages: list[LabelledPage]) -> dict[str | None, str]:
    """Each group of at least ``MIN_GROUP`` pages by its name, smaller ones together as ``other``."""
    sizes = Counter(page.group for page in pages if page.group)
    return {group: group if size >= MIN_GROUP else "other" for group, size in sizes.items()}


def _summary(page_set: PageSet, tally: _Tally, pages: int) -> dict[str, float | int]:
    prefix = page_set.prefix
    result: dict[str, float | int] = {}
    for group in sorted({group for group, _ in tally.pages}, key=lambda g: (g != "all", -tally.pages[g, "title"])):
        key = prefix if group == "all" else f"{prefix}_{group}"
        result.update({f"{key}_{name}_pages": tally.pages[group, name] for name in FIELDS})
        for system in page_set.systems:
            for name in _ANSWERS.get(system, FIELDS):
                count = tally.pages[group, name]
                result[f"{key}_{system}_{name}"] = round(tally.hits[group, system, name] / count, 4) if count else 0.0
    if tally.language_pages:
        result[f"{prefix}_language_pages"] = tally.language_pages
        result[f"{prefix}_ours_language"] = round(tally.language_hits / tally.language_pages, 4)
    for system in page_set.systems:
        result[f"{prefix}_{system}_cpu_ms"] = round(1000 * tally.cpu[system] / max(pages, 1), 2)
    if tally.cpu["traf"]:
        result[f"{prefix}_ours_cpu_vs_traf"] = round(tally.cpu["ours"] / tally.cpu["traf"], 3)
    return result


def _matches(page: LabelledPage, guess: Guess, rules: Rules, answers: Iterable[str]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    if page.title and "title" in answers:
        found["title"] = rules.title(page.title, guess.title)
    if page.authors and "authors" in answers:
        found["authors"] = rules.authors(page.authors, guess.authors)
    if page.day and "day" in answers:
        found["day"] = rules.day(page.day, guess.day)
    return found


def report_lines(page_set: PageSet, result: dict[str, float | int]) -> list[str]:
    """One line per field (then per language group and field): pages scored and each system's accuracy; CPU."""
    lines = []
    groups = [key.removesuffix("_title_pages") for key in result if key.endswith("_title_pages")]
    for key in groups:
        label = page_set.label if key == page_set.prefix else f"{page_set.label} {key.split('_', 1)[1]}"
        for name in FIELDS:
            scores = " ".join(
                f"{SYSTEMS[system]}={result[f'{key}_{system}_{name}']:.4f}"
                for system in page_set.systems
                if f"{key}_{system}_{name}" in result
            )
            lines.append(f"{label} {name:7} pages={result[f'{key}_{name}_pages']} {scores}")
    prefix = page_set.prefix
    if f"{prefix}_language_pages" in result:
        lines.append(
            f"{page_set.label} language pages={result[f'{prefix}_language_pages']} "
            f"ours={result[f'{prefix}_ours_language']:.4f}"
        )
    cpu = " ".join(f"{SYSTEMS[system]}={result[f'{prefix}_{system}_cpu_ms']}" for system in page_set.systems)
    ratio = result.get(f"{prefix}_ours_cpu_vs_traf")
    ratio_text = f" ours/trafilatura={ratio}" if ratio is not None else ""
    lines.append(f"{page_set.label} CPU ms/page {cpu}{ratio_text}")
    return lines
