"""Is this page an article? Decided from the page's declarations, its URL, its body length and link density."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.errors import NotAnArticle
from crawler.extract.metadata import Metadata

MIN_WORDS_DECLARED = 25
"""A page that declares itself an article still needs this much text to be worth a record."""
MIN_WORDS_UNDECLARED = 80
"""Without a declaration, a real article has paragraphs; a stub, a form or a gallery does not."""
MAX_LINK_DENSITY = 0.6
_ERROR_TITLE = re.compile(r"\b(404|not found|page not found|error 40\d|error 50\d|no longer available)\b", re.I)
_WORD = re.compile(r"\w+")


def check_article(meta: Metadata, root: HtmlElement, body: str, url: str) -> None:
    """Raise :class:`NotAnArticle` with the reason when the evidence says this page is not one."""
    words = len(_WORD.findall(body))
    if meta.declared_type == "article":
        if words < MIN_WORDS_DECLARED:
            raise NotAnArticle(f"declared an article but only {words} words of body")
        return
    if meta.declared_type == "listing":
        raise NotAnArticle("declared a collection page")
    if _is_site_root(url):
        raise NotAnArticle("the site's home page")
    if meta.title and _ERROR_TITLE.search(meta.title):
        raise NotAnArticle(f"an error page: {meta.title!r}")
    if words < MIN_WORDS_UNDECLARED:
        raise NotAnArticle(f"only {words} words of body")
    if link_density(root) > MAX_LINK_DENSITY:
        raise NotAnArticle("mostly links: a listing")


def _is_site_root(url: str) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def link_density(root: HtmlElement) -> float:
    """Share of the page's visible text that sits inside links."""
    body = root.find("body")
    if body is None:
        return 0.0
    total = linked = 0
    for element in body.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "noscript", "template"):
            continue
        size = len((element.text or "").strip())
        total += size
        if element.tag == "a" or any(parent.tag == "a" for parent in element.iterancestors()):
            linked += size
        total_tail = len((element.tail or "").strip())
        total += total_tail
        if any(parent.tag == "a" for parent in element.iterancestors()):
            linked += total_tail
    return linked / total if total else 0.0
