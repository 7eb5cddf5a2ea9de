"""Version classes: each noise rule by a case it must catch, and the near misses that are real edits."""

from __future__ import annotations

import pytest

from crawler.storage.changes import SUBSTANTIVE, TRIVIAL, VersionText, classify

BODY = (
    "Kabul, 5 March 2026 - The ministry said on Tuesday that the new road will open in May.\n"
    "Officials expect 4,000 vehicles a day on it.\n"
    "Critics say the project cost twice the budget and was finished two years late, which the ministry denies."
)


def version(body: str = BODY, title: str = "New road to open in May", authors=("Ahmad Shah",)) -> VersionText:
    return VersionText(title=title, authors=authors, published="2026-03-05T10:00:00+04:30", body=body)


def test_whitespace_only() -> None:
    after = version(BODY.replace(" said ", "  said ").replace("\n", "\n\n"))
    assert classify(version(), after) == (TRIVIAL, "whitespace")


def test_typography_quotes_and_dashes_and_a_non_breaking_space_as_whitespace() -> None:
    before = version(BODY.replace(" - ", " \u2014 ") + "\nHe called it \u201cgood news\u201d.", title="It\u2019s open")
    after = version(BODY + '\nHe called it "good news".', title="It's open")
    assert classify(before, after) == (TRIVIAL, "typography")
    assert classify(version(title="New\u00a0road to open in May"), version()) == (TRIVIAL, "whitespace")


def test_an_updated_stamp_added_or_changed() -> None:
    assert classify(version(), version(BODY + "\nUpdated 10:42")) == (TRIVIAL, "stamp")
    assert classify(version(BODY + "\nUpdated 10:42"), version(BODY + "\nUpdated 11:15")) == (TRIVIAL, "stamp")
    assert classify(version(), version("Monday, 9 March 2026 at 10:42\n" + BODY)) == (TRIVIAL, "stamp")
    assert classify(version(), version(BODY + "\nAktualisiert am 09.03.2026")) == (TRIVIAL, "stamp")


def test_a_short_paragraph_with_a_date_is_still_content() -> None:
    change = classify(version(), version(BODY + "\nThe toll rose to 12 on 9 March 2026."))
    assert change == (SUBSTANTIVE, "body")


def test_related_links_and_newsletter_boxes() -> None:
    boxed = BODY + "\nRead more: Ten roads that opened late\nSign up for our morning newsletter"
    assert classify(version(), version(boxed)) == (TRIVIAL, "boxes")
    assert classify(version(BODY + "\nRelated: A"), version(BODY + "\nRelated: B")) == (TRIVIAL, "boxes")


def test_a_paragraph_merely_mentioning_related_is_content() -> None:
    change = classify(version(), version(BODY + "\nThe related inquiry found no fault."))
    assert change == (SUBSTANTIVE, "body")


def test_an_empty_or_truncated_body_is_an_extraction_failure() -> None:
    assert classify(version(), version("")) == (TRIVIAL, "extraction_failure")
    cut = " ".join(BODY.split()[:12]) + " proj"
    assert classify(version(), version(cut)) == (TRIVIAL, "extraction_failure")


def test_one_changed_word_is_a_substantive_edit() -> None:
    change = classify(version(), version(BODY.replace("4,000", "40,000")))
    assert change == (SUBSTANTIVE, "body")


def test_the_rule_names_every_field_that_changed() -> None:
    after = version(BODY.replace("May", "June"), title="New road to open in June", authors=("Ahmad Shah", "Ali"))
    assert classify(version(), after) == (SUBSTANTIVE, "title+authors+body")
    moved = VersionText("New road to open in May", ("Ahmad Shah",), "2026-03-06", BODY)
    assert classify(version(), moved) == (SUBSTANTIVE, "published")


@pytest.mark.parametrize("edit", ["and was finished", "which the ministry denies"])
def test_removing_a_clause_is_substantive(edit: str) -> None:
    assert classify(version(), version(BODY.replace(edit, ""))).kind == SUBSTANTIVE
