"""The byline a reader sees: author names from the page's byline markup, in page order."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.extract._authors import clean_authors, looks_like_name

_NS = {"re": "http://exslt.org/regular-expressions"}
_CANDIDATES = (
    "//*[@rel='author' or contains(concat(' ', normalize-space(@itemprop), ' '), ' author ') or "
    "re:test(concat(@class, ' ', @id), '(^|[\\s_-])(byline|bylines|author|authors|author-?name|by-author|"
    "article-?author|post-?author|entry-?author|byline__author-name)([\\s_-]|$)', 'i')]"
)
# A byline elsewhere on the page (a comment's author, a related story's writer, a bio box) is not this article's.
_ELSEWHERE = re.compile(
    r"comment|related|recommend|popular|trending|sidebar|widget|footer|newsletter|promo|teaser|more-?stories|"
    r"most-?read|latest|next|prev|reply|review-?author|quote|statement",
    re.I,
)
_NOT_NAMES = re.compile(r"bio|avatar|photo|image|img|title|role|desc|twitter|social|email|follow|date|time", re.I)
_DATE_PARTS = (
    ".//time | .//*[re:test(concat(@class, ' ', @id), 'date|time|stamp|publish|updated|dateline|read-?time', 'i')]"
)
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "section", "header", "br", "h1", "h2", "h3", "h4", "h5", "h6"})
_MAX_CANDIDATES = 12
_MAX_TEXT = 300


def visible_authors(root: HtmlElement, organisations: list[str]) -> list[str]:
    """Names in the first byline of the article (skipping comments, related stories and bio boxes)."""
    for element in root.xpath(_CANDIDATES, namespaces=_NS)[:_MAX_CANDIDATES]:
        if _elsewhere(element):
            continue
        for line in _lines(element):
            names = [name for name in clean_authors([line], organisations) if looks_like_name(name)]
            if names:
                return names
    return []


def _elsewhere(element: HtmlElement) -> bool:
    if element.tag in ("meta", "link", "script", "style") or _NOT_NAMES.search(_marks(element)):
        return True
    for node in element.iterancestors():
        if node.tag in ("aside", "footer", "nav") or _ELSEWHERE.search(_marks(node)):
            return True
    return False


def _marks(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _lines(element: HtmlElement) -> list[str]:
    """The element's text line by line (blocks and ``<br>`` break lines), its dates and times left out."""
    skipped = set(element.xpath(_DATE_PARTS, namespaces=_NS))
    pieces: list[str] = []

    def walk(node: HtmlElement) -> None:
        if node in skipped or not isinstance(node.tag, str):
            return
        if node.tag in _BLOCKS:
            pieces.append("\n")
        pieces.append(node.text or "")
        for child in node:
            walk(child)
            pieces.append(child.tail or "")
        if node.tag in _BLOCKS:
            pieces.append("\n")

    walk(element)
    text = "".join(pieces)
    if len(text) > _MAX_TEXT * 4:
        return []
    return [line for line in (" ".join(part.split()) for part in text.split("\n")) if 0 < len(line) <= _MAX_TEXT]
