"""Is this page an article? Decided from the page's declarations, its URL, its body length and link density."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.errors import NotAnArticle
from crawler.extract.metadata import Metadata

MIN_WORDS_DECLARED = 25
"""A page that declares itself an article still needs this much text to be worth a record."""
MIN_WORDS_UNDECLARED = 50
"""Without a declaration, a real article has paragraphs; a stub, a form or a gallery does not."""
MAX_LINKED_SHARE = 0.5
"""A body made mostly of lines that are the page's link texts is a list of teasers, not an article."""
_ERROR_TITLE = re.compile(r"\b(404|not found|page not found|error 40\d|error 50\d|no longer available)\b", re.I)
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def check_article(meta: Metadata, root: HtmlElement, body: str, url: str) -> None:
    """Raise :class:`NotAnArticle` with the reason when the evidence says this page is not one."""
    words = text_size(body)
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
    if linked_share(root, body) > MAX_LINKED_SHARE:
        raise NotAnArticle("mostly link texts: a listing")


def text_size(text: str) -> int:
    """Length in words; CJK scripts, written without spaces, count one word per two characters."""
    cjk = len(_CJK.findall(text))
    return len(_WORD.findall(_CJK.sub(" ", text))) + cjk // 2


def _is_site_root(url: str) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def linked_share(root: HtmlElement, body: str) -> float:
    """Share of the body's words in lines that are the text of a link on the page."""
    anchors = {" ".join(a.text_content().split()).casefold() for a in root.iter("a")}
    lines = [line for line in body.splitlines() if line.strip()]
    total = sum(len(_WORD.findall(line)) for line in lines)
    linked = sum(len(_WORD.findall(line)) for line in lines if line.strip().casefold() in anchors)
    return linked / total if total else 0.0
