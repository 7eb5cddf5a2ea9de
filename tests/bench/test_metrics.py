"""The bench's scores: the article-body benchmark's shingle metric and the metadata match rules."""

from __future__ import annotations

import pytest

from bench.metrics import (
    authors_match,
    byline_matches,
    day_matches,
    score_bodies,
    score_page,
    shingle_f1,
    shingles,
    title_matches,
    tokenize,
)


def test_tokens_are_word_runs():
    assert tokenize("It's 2024 — naïve café, ok?") == ["It", "s", "2024", "naïve", "café", "ok"]
    assert tokenize(None) == []


def test_shingles_are_word_4grams_with_counts():
    assert shingles("a b c d e") == {"a b c d": 1, "b c d e": 1}
    assert shingles("a b c d a b c d")["a b c d"] == 2
    # Shorter than four words: the whole text is one shingle, as the benchmark's code does.
    assert shingles("one two") == {"one two": 1}
    assert shingles("") == {}


def test_page_counts_are_normalised_by_their_sum():
    # truth: 3 shingles (a b c d, b c d e, c d e f); prediction: 2 of them + 2 others
    page = score_page("a b c d e f", "b c d e f x y")
    assert (page.tp, page.fp, page.fn) == pytest.approx((2 / 5, 2 / 5, 1 / 5))
    assert page.tp + page.fp + page.fn == pytest.approx(1)
    assert page.precision == pytest.approx(0.5)
    assert page.recall == pytest.approx(2 / 3)


def test_repeated_shingles_count_each_time():
    # prediction: "a b c d" twice plus three other shingles; the truth has it once
    page = score_page("a b c d", "a b c d a b c d")
    assert page.precision == pytest.approx(1 / 5)
    assert page.recall == 1.0


def test_empty_prediction_scores_zero_and_both_empty_is_perfect():
    missing = score_page("a b c d e", "")
    assert (missing.precision, missing.recall) == (0.0, 0.0)
    both = score_page("", "")
    assert (both.precision, both.recall) == (1.0, 1.0)


def test_precision_and_recall_average_over_pages_and_f1_comes_from_the_averages():
    perfect = ("a b c d e f g", "a b c d e f g")
    half = ("a b c d e", "a b c d x y z w")  # P = 1/5, R = 1/2
    score = score_bodies([perfect, half])
    assert score.precision == pytest.approx((1 + 1 / 5) / 2)
    assert score.recall == pytest.approx((1 + 1 / 2) / 2)
    p, r = score.precision, score.recall
    assert score.f1 == pytest.approx(2 * p * r / (p + r))
    assert score.pages == 2


def test_shingle_f1_is_symmetric():
    assert shingle_f1("a b c d e", "a b c d x") == pytest.approx(shingle_f1("a b c d x", "a b c d e"))
    assert shingle_f1("a b c d e", "a b c d e") == 1.0


def test_title_match_ignores_whitespace_only():
    assert title_matches("A  title\n here", "A title here")
    assert not title_matches("A title here", "A title here - Site")


def test_byline_match_rules():
    assert byline_matches("By Jane Doe and John Roe", ["John Roe", "Jane Doe"])
    assert byline_matches("By JANE DOE\n March 11, 2016", ["Jane Doe"])
    assert not byline_matches("Jane Doe", ["John Roe"])
    assert not byline_matches("Jane Doe", [])


def test_day_match_compares_the_written_day():
    assert day_matches("2015-04-29T10:31:00+00:00", "2015-04-29")
    assert not day_matches("2015-04-29T10:31:00+00:00", "2015-04-30T00:10:00+04:30")
    assert not day_matches("2015-04-29", None)


def test_authors_match_needs_every_name_and_nothing_more():
    assert authors_match(["Jane Doe", "John  Roe"], ["john roe", "Jane Doe"])
    assert not authors_match(["Jane Doe", "John Roe"], ["Jane Doe"])
    assert not authors_match(["Jane Doe"], ["Jane Doe", "Example News"])
    assert not authors_match(["Jane Doe"], ["Jane"])
