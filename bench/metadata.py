"""Metadata bench: title, authors and publication day of ours, trafilatura alone and newspaper4k alone per page set."""

from __future__ import annotations

import gzip
import json
import logging
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.metrics import authors_match, byline_matches, day_matches, title_matches
from crawler.extract.metadata import extract_metadata
from crawler.extract.page import clean_text, decode_html, parse_html, primary_tag

log = logging.getLogger(__name__)

FIELDS = ("title", "authors", "day")
SYSTEMS = {"ours": "ours", "traf": "trafilatura", "np4k": "newspaper4k"}
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


@dataclass(frozen=True)
class Guess:
    """One system's answer for one page."""

    title: str | None
    authors: list[str]
    day: str | None
    language: str | None = None


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


def _safe(system: Callable[[str, str], Guess], html: str, url: str) -> Guess:
    try:
        return system(html, url)
    except Exception as error:  # a baseline library failing on a page scores that page as a miss
        log.warning("%s failed on %s: %r", system.__name__, url, error)
        return Guess(None, [], None)


def score_set(prefix: str, pages: Iterable[LabelledPage], systems: Iterable[str] = SYSTEMS) -> dict[str, float | int]:
    """``{prefix}_{field}_pages`` and ``{prefix}_{system}_{field}`` accuracies over the pages that state a field."""
    runners = {"ours": ours, "traf": trafilatura_alone, "np4k": newspaper_alone}
    systems = list(systems)
    hits = {f"{system}_{field}": 0 for system in systems for field in FIELDS}
    counts = dict.fromkeys(FIELDS, 0)
    language_pages = language_hits = 0
    for page in pages:
        html = clean_text(decode_html(page.raw))
        for system in systems:
            guess = runners[system](html, page.url) if system == "ours" else _safe(runners[system], html, page.url)
            for field, matched in _matches(page, guess).items():
                hits[f"{system}_{field}"] += matched
            if system == "ours" and page.lang:
                language_pages += 1
                language_hits += guess.language == primary_tag(page.lang)
        for field in FIELDS:
            counts[field] += bool(getattr(page, field))
    result: dict[str, float | int] = {f"{prefix}_{field}_pages": count for field, count in counts.items()}
    for key, value in hits.items():
        field = key.split("_", 1)[1]
        result[f"{prefix}_{key}"] = round(value / counts[field], 4) if counts[field] else 0.0
    if language_pages:
        result[f"{prefix}_language_pages"] = language_pages
        result[f"{prefix}_ours_language"] = round(language_hits / language_pages, 4)
    return result


def _matches(page: LabelledPage, guess: Guess) -> dict[str, bool]:
    found: dict[str, bool] = {}
    if page.title:
        found["title"] = title_matches(page.title, guess.title)
    if isinstance(page.authors, list) and page.authors:
        found["authors"] = authors_match(page.authors, guess.authors)
    elif page.authors:
        found["authors"] = byline_matches(page.authors, guess.authors)
    if page.day:
        found["day"] = day_matches(page.day, guess.day)
    return found


def report_lines(label: str, prefix: str, result: dict[str, float | int]) -> list[str]:
    """One line per field: pages scored and each system's accuracy."""
    lines = []
    for field in FIELDS:
        scores = " ".join(
            f"{name}={result[f'{prefix}_{key}_{field}']:.4f}"
            for key, name in SYSTEMS.items()
            if f"{prefix}_{key}_{field}" in result
        )
        lines.append(f"{label} {field:7} pages={result[f'{prefix}_{field}_pages']} {scores}")
    if f"{prefix}_language_pages" in result:
        lines.append(
            f"{label} language pages={result[f'{prefix}_language_pages']} ours={result[f'{prefix}_ours_language']:.4f}"
        )
    return lines
