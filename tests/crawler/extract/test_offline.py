"""Extraction never touches the network: no NLTK, image or Public Suffix List download, in any mode."""

from __future__ import annotations

import socket

import pytest

from crawler.extract import extract_article, newspaper_text, registrable_domain
from tests.crawler.extract.pages import KHAAMA_URL, PARAGRAPHS, article_body, khaama_page, page


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to resolve or connect is recorded and refused."""
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted during extraction")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_extraction_in_both_modes_stays_offline(no_network):
    for mode in ("default", "fast"):
        assert extract_article(khaama_page().encode(), KHAAMA_URL, mode=mode).body == "\n".join(PARAGRAPHS)
    assert no_network == []


def test_newspaper_candidate_stays_offline_in_any_language(no_network):
    # newspaper4k's tokenizers for some languages want NLTK (and would download its data): we never ask them.
    html = page('<meta http-equiv="refresh" content="0; url=https://elsewhere.example/">', article_body(), lang="ko")
    for language in ("en", "ko", "zh", "ja", None):
        assert "alliance" in newspaper_text(html, language)
    assert no_network == []


def test_public_suffix_list_comes_from_the_bundled_snapshot(no_network):
    assert registrable_domain("https://news.bbc.co.uk/a") == "bbc.co.uk"
    assert registrable_domain("https://a.b.example.com.au/") == "example.com.au"
    assert no_network == []
