"""Scores for extraction: the article-body benchmark's shingle metric and metadata match rules."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE_SIZE = 4


def tokenize(text: str | None) -> list[str]:
    """Word tokens as the benchmark counts them: runs of ``\\w`` characters."""
    return _TOKEN.findall(text or "")


def shingles(text: str | None, size: int = SHINGLE_SIZE) -> Counter[str]:
    """Multiset of word ``size``-grams; a text shorter than ``size`` words is one shingle (as upstream does)."""
    tokens = tokenize(text)
    grams = (" ".join(tokens[i : i + size]) for i in range(max(1, len(tokens) - size + 1)))
    return Counter(gram for gram in grams if gram)


@dataclass(frozen=True)
class PageScore:
    """One page's tp/fp/fn, normalised so the three sum to 1 (all 0 when both texts are empty)."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        # An empty prediction of a non-empty truth scores 0, not "undefined": it found nothing.
        if self.tp + self.fp == 0:
            return 1.0 if self.fn == 0 else 0.0
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float:
        if self.tp + self.fn == 0:
            return 1.0 if self.fp == 0 else 0.0
        return self.tp / (self.tp + self.fn)


def score_page(truth: str | None, prediction: str | None, size: int = SHINGLE_SIZE) -> PageScore:
    """Shingle matching of one page: counts compared per shingle, then normalised by their sum."""
    expected, found = shingles(truth, size), shingles(prediction, size)
    tp = sum((expected & found).values())
    fp = sum((found - expected).values())
    fn = sum((expected - found).values())
    total = tp + fp + fn
    if total == 0:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


def shingle_f1(a: str | None, b: str | None, size: int = SHINGLE_SIZE) -> float:
    """Symmetric agreement of two texts: F1 of their shingle multisets."""
    page = score_page(a, b, size)
    p, r = page.precision, page.recall
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


@dataclass(frozen=True)
class BodyScore:
    """Benchmark score: precision and recall averaged over pages, F1 from those two averages."""

    precision: float
    recall: float
    pages: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 0.0 if total == 0 else 2 * self.precision * self.recall / total


def score_bodies(pairs: Iterable[tuple[str | None, str | None]]) -> BodyScore:
    """Score (truth, prediction) pairs the benchmark's way."""
    pages = [score_page(truth, prediction) for truth, prediction in pairs]
    if not pages:
        return BodyScore(0.0, 0.0, 0)
    precision = sum(page.precision for page in pages) / len(pages)
    recall = sum(page.recall for page in pages) / len(pages)
    return BodyScore(precision, recall, len(pages))


def normalise_space(text: str | None) -> str:
    """Collapse whitespace runs, strip the ends."""
    return " ".join((text or "").split())


def title_matches(expected: str | None, found: str | None) -> bool:
    """Exact title after whitespace normalisation."""
    return normalise_space(expected) == normalise_space(found)


_BY = re.compile(r"^\s*(by|von|par|por)\s+", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\|)\s*", re.IGNORECASE)


def _name_set(byline: str | None) -> set[str]:
    text = _BY.sub("", normalise_space(byline)).casefold()
    return {part.strip(" .") for part in _SPLIT.split(text) if part.strip(" .")}


def byline_matches(expected: str | None, found: Iterable[str] | str | None) -> bool:
    """Same set of names (ignoring a leading "By", case and how names are joined), or every name found appears in
    the expected byline: the expectations are Readability's bylines, which often carry a date or a role too."""
    if found is not None and not isinstance(found, str):
        found = ", ".join(found)
    names = _name_set(found)
    if not names:
        return False
    if _name_set(expected) == names:
        return True
    text = normalise_space(expected).casefold()
    return all(name in text for name in names)


def authors_match(expected: Iterable[str], found: Iterable[str]) -> bool:
    """The same names, each whole, in any order (case and spacing ignored): for our own annotations, which list
    exactly the people a reader sees credited."""
    return {normalise_space(name).casefold() for name in expected} == {
        normalise_space(name).casefold() for name in found
    }


def day_matches(expected: str | None, found: str | None) -> bool:
    """Same calendar day as written (the first ten characters of ISO 8601)."""
    if not expected or not found:
        return False
    return expected.strip()[:10] == found.strip()[:10]
