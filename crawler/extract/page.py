"""A page before extraction, one step at a time: the steps ``extract_article`` runs first, for tools that run one alone.

``decode_html`` (response bytes to HTML text), ``clean_text`` (what lxml chokes on removed), ``parse_html`` (the lxml
tree ``crawler.extract.metadata.extract_metadata`` reads), and ``primary_tag`` (a language value as a BCP 47 primary
tag, as ``Article.language`` holds it). Each raises ``NotAnArticle`` where ``extract_article`` would.
``MAX_BYTES`` is the most of a response body that is decoded and extracted.
"""

from __future__ import annotations

from crawler.extract._decode import MAX_BYTES, decode_html
from crawler.extract._document import clean_text, parse_html
from crawler.extract._language import primary_tag

__all__ = ["MAX_BYTES", "clean_text", "decode_html", "parse_html", "primary_tag"]
