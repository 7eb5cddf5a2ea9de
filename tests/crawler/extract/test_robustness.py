"""Any bytes in: an article or ``NotAnArticle``, never another exception; charsets decided from the evidence."""

from __future__ import annotations

import gzip
import random
import time

import pytest

from crawler.errors import NotAnArticle
from crawler.extract import Article, decode_html, decode_page, extract_article
from tests.crawler.extract.pages import PARAGRAPHS, article_body, jsonld, khaama_page, page

URL = "https://example.com/story/"
CAFE = "Le café du coin a rouvert ses portes après des travaux qui ont duré près de deux années entières."


def _random_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


HOSTILE = {
    "empty": b"",
    "whitespace": b" \n\t ",
    "random": _random_bytes(4096, 1),
    "random-with-tag": b"<html>" + _random_bytes(20000, 2),
    "png": b"\x89PNG\r\n\x1a\n" + _random_bytes(500, 3),
    "pdf": b"%PDF-1.7\n" + _random_bytes(500, 4),
    "gzip": gzip.compress(page("", article_body()).encode()),
    "nul-bytes": b"<html><body>\x00\x00\x00<p>text</p>",
    "plain-text": b"Just a line of text, no markup at all.",
    "json": b'{"posts": [{"id": 1, "title": "hello"}]}',
    "truncated-markup": page("", article_body()).encode()[:700],
    "unclosed-everything": b"<html><head><title>x<body><div><p>" + PARAGRAPHS[0].encode() * 3,
    "deep-nesting": b"<html><body>" + b"<div>" * 20000 + PARAGRAPHS[0].encode() + b"</div>" * 20000,
    "broken-jsonld": page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>', article_body()
    ).encode(),
    "jsonld-wrong-types": page(jsonld({"@type": 7, "author": 5, "datePublished": ["x"], "@graph": "no"}), "").encode(),
    "xml-declaration": b'<?xml version="1.0" encoding="utf-8"?>' + page("", article_body()).encode(),
    "control-characters": page("", article_body()).encode().replace(b"alliance", b"all\x07\x1bance"),
    "utf16": page("", article_body()).encode("utf-16"),
    "lone-surrogate-escape": page("<title>&#xD800;</title>", article_body()).encode(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("mode", ["default", "fast"])
def test_hostile_bytes_give_a_record_or_not_an_article(name, mode, caplog):
    try:
        result = extract_article(HOSTILE[name], URL, mode=mode)
    except NotAnArticle:
        result = None
    assert result is None or isinstance(result, Article)
    # Decided on evidence, not by the last-resort handler that turns a library crash into NotAnArticle.
    assert not [record for record in caplog.records if "extraction failed" in record.getMessage()]


@pytest.mark.parametrize("name", ["empty", "png", "pdf", "gzip", "random", "json", "plain-text"])
def test_what_is_not_html_is_not_an_article(name):
    with pytest.raises(NotAnArticle):
        extract_article(HOSTILE[name], URL)


def test_non_html_content_type_is_not_an_article():
    with pytest.raises(NotAnArticle):
        extract_article(page("", article_body()).encode(), URL, {"Content-Type": "application/pdf"})


def test_utf16_with_bom_is_read():
    assert extract_article(HOSTILE["utf16"], URL).body == "\n".join(PARAGRAPHS)


@pytest.mark.parametrize("mode", ["default", "fast"])
def test_huge_page_is_cut_at_the_cap(mode):
    body = "".join(f"<p>{PARAGRAPHS[n % 4]} ({n})</p>" for n in range(40000))  # ~8 MB
    html = page("<title>Huge</title>", f"<article>{body}</article>").encode()
    started = time.monotonic()
    article = extract_article(html, URL, mode=mode)
    assert time.monotonic() - started < 60
    assert "(0)" in article.body
    assert "(39999)" not in article.body  # past MAX_BYTES: never looked at


def test_header_charset_wins_over_guessing():
    html = page("", article_body([*PARAGRAPHS, CAFE]), lang="fr").replace('<meta charset="utf-8">', "")
    article = extract_article(html.encode("cp1252"), URL, {"Content-Type": "text/html; charset=windows-1252"})
    assert CAFE in article.body


def test_wrong_header_charset_is_overruled_by_the_page_when_the_bytes_disagree():
    html = page("", article_body([*PARAGRAPHS, CAFE]), lang="fr").replace("utf-8", "windows-1252")
    article = extract_article(html.encode("cp1252"), URL, {"Content-Type": "text/html; charset=utf-8"})
    assert CAFE in article.body


def test_stale_meta_charset_on_a_utf8_page():
    html = page("", article_body([*PARAGRAPHS, CAFE]), lang="fr").replace("utf-8", "iso-8859-1")
    assert CAFE in extract_article(html.encode("utf-8"), URL).body


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_missing_charset_is_guessed(encoding):
    html = page("", article_body([*PARAGRAPHS, CAFE]), lang="fr").replace('<meta charset="utf-8">', "")
    assert CAFE in extract_article(html.encode(encoding), URL).body


def test_unknown_mode_is_a_programming_error():
    with pytest.raises(ValueError, match="mode"):
        extract_article(khaama_page().encode(), URL, mode="slow")


SMART = "\u201cCafé\u201d isn\u2019t closed, said the owner \u2014 the résumé was ready."  # quotes as typeset
UTF8_HEADER = {"Content-Type": "text/html; charset=UTF-8"}


def test_windows_1252_bytes_labelled_utf8_decode_as_windows_1252():
    """Header and ``<meta>`` both claim UTF-8; the bytes are windows-1252 (what browsers fall back to)."""
    html = page(f"<title>{SMART}</title>", article_body([*PARAGRAPHS, SMART]))
    decoded = decode_page(html.encode("cp1252"), UTF8_HEADER)
    assert "\ufffd" not in decoded.text
    assert f"<title>{SMART}</title>" in decoded.text
    assert (decoded.encoding, decoded.fallback) == ("cp1252", True)
    assert decode_html(html.encode("cp1252"), UTF8_HEADER) == decoded.text


def test_windows_1252_labelled_utf8_gives_a_clean_article_and_says_so():
    html = page(f"<title>{SMART}</title>", f"<h1>{SMART}</h1>" + article_body([*PARAGRAPHS, SMART]))
    article = extract_article(html.encode("cp1252"), URL, UTF8_HEADER)
    assert article.title == SMART
    assert SMART in article.body and "\ufffd" not in article.body
    assert article.charset_fallback == "cp1252"
    assert extract_article(html.encode("utf-8"), URL, UTF8_HEADER).charset_fallback is None


def test_a_windows_1252_snippet_in_a_utf8_page_keeps_the_utf8_text():
    """A legacy fragment pasted into a UTF-8 page: the UTF-8 stays UTF-8, only the invalid bytes are windows-1252."""
    body = page("<title>Café</title>", article_body(PARAGRAPHS)).encode() + f"<p>{SMART}</p>".encode("cp1252")
    decoded = decode_page(body, UTF8_HEADER)
    assert "<title>Café</title>" in decoded.text and SMART in decoded.text
    assert decoded.fallback and "\ufffd" not in decoded.text


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("cp1251", "Привет, это страница на русском языке"), ("cp1253", "Καλημέρα, αυτή είναι μια σελίδα")],
)
def test_a_non_latin_legacy_page_labelled_utf8_is_detected(encoding, text):
    """Windows-1252 would read these as Latin mojibake; charset-normalizer recognises the script."""
    html = page(f"<title>{text}</title>", article_body([text * 5]))
    decoded = decode_page(html.encode(encoding), UTF8_HEADER)
    assert (decoded.encoding, decoded.fallback) == (encoding, True)
    assert text in decoded.text


def test_a_page_read_as_declared_is_no_fallback():
    assert decode_page(page("", CAFE).encode(), UTF8_HEADER) == (page("", CAFE), "utf-8", False)
