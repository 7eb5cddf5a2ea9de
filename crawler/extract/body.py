"""The article body: one extractor (``fast``) or several with a per-page agreement vote (``default``)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from functools import partial

from lxml.html import HtmlElement

from crawler.extract import _candidates
from crawler.extract._agreement import agreement, shingles
from crawler.extract._cleanup import clean_body

log = logging.getLogger(__name__)

AGREED = 0.9
"""When trafilatura and readability agree this much, a third opinion is not worth its time."""


def extract_body(
    html: str,
    url: str,
    *,
    mode: str,
    language: str | None,
    headlines: list[str | None],
    standfirst: str | None,
    root: HtmlElement | None = None,
) -> str:
    """The cleaned body text, ``""`` when no extractor finds one (``root``: the page already parsed, if it is)."""

    def clean(text: str) -> str:
        return clean_body(text, headlines, standfirst)

    if mode == "fast":
        return clean(_run("trafilatura", _candidates.trafilatura_recall_text, html, url))
    first = clean(_run("trafilatura", _candidates.trafilatura_text, html, url))
    readability = partial(_candidates.readability_text, root=root)
    candidates = [first, clean(_run("readability", readability, html, url))]
    counts = [shingles(text) for text in candidates]
    if counts[0] and agreement(counts[0], counts[1]) >= AGREED:
        return candidates[0]
    candidates.append(clean(_run("newspaper", _candidates.newspaper_text, html, language)))
    counts.append(shingles(candidates[2]))
    return candidates[_most_agreed(counts)]


def _most_agreed(counts: list[Counter[str]]) -> int:
    """Index of the candidate with the highest mean agreement with the others (ties: the earlier one)."""
    best, best_score = 0, -1.0
    for index, count in enumerate(counts):
        others = [agreement(count, other) for j, other in enumerate(counts) if j != index]
        score = sum(others) / len(others)
        if score > best_score + 1e-9:
            best, best_score = index, score
    return best


def _run(name: str, function: Callable[[str, str | None], str], html: str, arg: str | None) -> str:
    try:
        return function(html, arg) or ""
    except Exception as error:  # third-party parsers fail in many ways on odd pages; a failed candidate loses the vote
        log.debug("%s failed: %r", name, error)
        return ""
