"""Body extraction: the Khaama Press (tagDiv Newspaper) page exact in both modes, generic boilerplate dropped."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from crawler.extract import EXTRACTOR_VERSION, extract_article
from tests.crawler.extract.pages import KHAAMA_URL, PARAGRAPHS, article_body, khaama_page, meta, page

BOILERPLATE = [
    "Saturday, July 13, 2024",
    "Advertisement",
    "More articles",
    "Please enter your comment",
    "Please enter your name here",
    "incorrect email address",
    "reCAPTCHA",
    "Kabul-based independent",
    "LEAVE A REPLY",
    "Save my name",
    "TAGS",
    "Facebook",
    "Popular",
    "All rights reserved",
]


@pytest.mark.parametrize("mode", ["default", "fast"])
def test_khaama_article_body_is_exact(mode):
    article = extract_article(
        khaama_page().encode(), KHAAMA_URL, {"Content-Type": "text/html; charset=UTF-8"}, mode=mode
    )
    assert article.body == "\n".join(PARAGRAPHS)
    for text in BOILERPLATE:
        assert text.lower() not in article.body.lower()
    assert article.extractor == f"{mode}/{EXTRACTOR_VERSION}"


@pytest.mark.parametrize("mode", ["default", "fast"])
def test_khaama_published_date_comes_from_metadata_not_the_date_bar(mode):
    article = extract_article(khaama_page().encode(), KHAAMA_URL, mode=mode)
    assert article.published_at == datetime(2021, 3, 24, 10, 44, 12, tzinfo=timezone(timedelta(hours=4, minutes=30)))


def test_without_structured_data_the_post_time_element_gives_the_date():
    article = extract_article(khaama_page(structured=False).encode(), KHAAMA_URL)
    assert article.published_at == datetime(2021, 3, 24, 10, 44, 12, tzinfo=timezone(timedelta(hours=4, minutes=30)))
    assert article.body == "\n".join(PARAGRAPHS)


def test_the_date_bar_is_never_the_published_date():
    html = khaama_page(structured=False)
    start = html.index("<time ")
    html = html[:start] + html[html.index("</time>") + len("</time>") :]
    article = extract_article(html.encode(), KHAAMA_URL)
    assert article.published_at is None
    assert article.published_at != date(2024, 7, 13)


def test_leading_headline_and_short_boilerplate_lines_are_dropped():
    lines = [
        "<h1>Bridge reopens after repairs</h1>",
        f"<p>{PARAGRAPHS[0]}</p>",
        "<p>Advertisement</p>",
        f"<p>{PARAGRAPHS[1]}</p>",
        "<p>Read more: Ten bridges that need repairs</p>",
        "<p>Share on Facebook</p>",
        f"<p>{PARAGRAPHS[2]}</p>",
        "<p>- Advertisement -</p>",
        f"<p>{PARAGRAPHS[3]}</p>",
        "<p>Sign up for our free newsletter and get the news in your inbox.</p>",
    ]
    html = page("<title>Bridge reopens after repairs | Example</title>", "<article>" + "".join(lines) + "</article>")
    for mode in ("default", "fast"):
        assert extract_article(html.encode(), "https://example.com/bridge/", mode=mode).body == "\n".join(PARAGRAPHS)


def test_a_sentence_mentioning_advertising_is_content():
    text = "Advertisement revenue fell by a third last year, the company said in its annual report on Monday."
    html = page("<title>Ads</title>", article_body([*PARAGRAPHS, text]))
    assert extract_article(html.encode(), "https://example.com/ads/").body.endswith(text)


def test_output_is_deterministic():
    html = khaama_page().encode()
    first = extract_article(html, KHAAMA_URL)
    second = extract_article(html, KHAAMA_URL)
    assert first.to_json() == second.to_json()
    assert first.content_hash() == second.content_hash()


def test_headers_may_be_bytes_as_scrapy_gives_them():
    html = page(meta("og:type", "article"), article_body()).encode("cp1252")
    article = extract_article(html, "https://example.com/a/", {b"Content-Type": [b"text/html; charset=windows-1252"]})
    assert article.body == "\n".join(PARAGRAPHS)
