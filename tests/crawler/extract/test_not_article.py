"""Pages that are not articles are refused with ``NotAnArticle``: home pages, listings, error pages, stubs."""

from __future__ import annotations

import pytest

from crawler.errors import NotAnArticle
from crawler.extract import extract_article
from tests.crawler.extract.pages import PARAGRAPHS, article_body, jsonld, meta, page

HEADLINES = [f"Headline number {n} about the news of the day in the region" for n in range(30)]


def listing(extra_head: str = "") -> str:
    items = "".join(f'<li><h3><a href="/story-{n}/">{text}</a></h3></li>' for n, text in enumerate(HEADLINES))
    return page("<title>Example News</title>" + extra_head, f"<main><ul>{items}</ul></main>")


def test_home_page():
    with pytest.raises(NotAnArticle):
        extract_article(listing(meta("og:type", "website")).encode(), "https://example.com/")


def test_section_listing_declared_as_collection():
    head = jsonld({"@context": "https://schema.org", "@type": "CollectionPage", "name": "World"})
    with pytest.raises(NotAnArticle):
        extract_article(listing(head).encode(), "https://example.com/category/world/")


def test_section_listing_undeclared():
    with pytest.raises(NotAnArticle):
        extract_article(listing().encode(), "https://example.com/category/world/")


def test_error_page():
    html = page("<title>Page not found - Example News</title>", "<h1>Oops! That page can't be found.</h1>")
    with pytest.raises(NotAnArticle):
        extract_article(html.encode(), "https://example.com/missing/")


def test_declared_article_without_text():
    html = page(meta("og:type", "article") + "<title>Video: flood</title>", "<video src='/v.mp4'></video>")
    with pytest.raises(NotAnArticle):
        extract_article(html.encode(), "https://example.com/video-flood/")


def test_a_real_article_at_a_deep_url_is_accepted():
    html = page("<title>Bridge</title>", article_body())
    assert extract_article(html.encode(), "https://example.com/bridge/").body == "\n".join(PARAGRAPHS)
