"""The extraction steps in order: decode, parse, metadata, body, verdict, record."""

from __future__ import annotations

from collections.abc import Mapping

from crawler.extract._decode import decode_page
from crawler.extract._document import clean_text, parse_html
from crawler.extract._language import detect_language
from crawler.extract._verdict import check_article
from crawler.extract.article import Article
from crawler.extract.body import extract_body
from crawler.extract.metadata import extract_metadata


def run_extraction(body: bytes, url: str, headers: Mapping[str, str] | None, *, mode: str, extractor: str) -> Article:
    """One page through every step; :class:`NotAnArticle` from whichever step decides so."""
    decoded = decode_page(body, headers)
    html = clean_text(decoded.text)
    root = parse_html(html)
    meta = extract_metadata(root, url)
    headings = [" ".join(h.text_content().split()) for h in root.xpath("//h1")[:2]]
    text = extract_body(
        html,
        url,
        mode=mode,
        language=meta.language,
        headlines=[meta.title, *headings],
        standfirst=meta.summary,
        root=root,
    )
    check_article(meta, root, text, url)
    return Article(
        **{**meta.article_fields(), "language": meta.language or detect_language(text)},
        body=text,
        extractor=extractor,
        charset_fallback=decoded.encoding if decoded.fallback else None,
    )
