"""The byline a reader sees: author names from the page's byline markup, in page order."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.extract._authors import (
    clean_authors,
    first_field,
    is_byline_word,
    labels_a_byline,
    looks_like_name,
    starts_with_byline_word,
)
from crawler.extract._document import Marks

# rel="author", itemprop="author", or a byline/author class or id.
_CANDIDATE = re.compile(
    r"(?:^|[\s_-])(?:byline|bylines|author|authors|author-?name|by-author|article-?author|"
    r"post-?author|entry-?author|byline__author-name|auteurs?|autor(?:es|en|in)?|autore|autori|verfasser|"
    r"submitted)"
    r"(?:[\s_-]|$)",
    re.I,
)
# A byline elsewhere on the page (a comment's author, a related story's writer, a bio box) is not this article's.
# A layout "with a sidebar" ("has-sidebar", "lay-sidebar", "sidebar-position-right") and its main column
# ("sidebar__main") hold the article.
_ELSEWHERE = re.compile(
    r"(?<![a-z])(?<!no-)(?:comment|related|recommend|popular|trending|(?<!one-)(?<!two-)(?<!left-)(?<!right-)(?<!with-)(?<!has-)(?<!lay-)(?<!layout-)sidebar(?!-(?:left|right|pos)|__main)|widget|footer|newsletter|promo(?!ted)|"
    r"teaser|more-?stories|most-?read|latest|(?:next|prev)(?:ious)?(?![a-z])|reply|review-?author|quote|statement)",
    re.I,
)
# WordPress and Drupal name an article's taxonomy in its classes ("tag-newsletter", "category-comment"): they say
# what the article is about, not that an element is something besides it.
_TAXONOMY = re.compile(r"(?<!\S)(?:tag|category|categories|post|format|status|type|topic|node--type)-\S*", re.I)
_NOT_NAMES = re.compile(r"bio|avatar|photo|image|img|title|role|desc|twitter|social|email|follow|date|time", re.I)
_HIDDEN = r"screen-reader|sr-only|visually-?hidden|element-invisible"
_SKIPPED_TAGS = frozenset({"time", "h1", "h2", "h3", "h4", "h5", "h6"})
_DATE_PART = re.compile(r"date|time|stamp|publish|updated|dateline|read-?time", re.I)
_SKIPPED = re.compile(f"{_DATE_PART.pattern}|{_NOT_NAMES.pattern}|{_HIDDEN}", re.I)
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "section", "header", "br", "h1", "h2", "h3", "h4", "h5", "h6"})
_TEXT_BYLINE_TAGS = ("p", "span", "div", "strong", "em", "i", "b", "small", "address", "li")
_MAX_WRITTEN = 60
_HANDLE = re.compile(r"^[a-z][a-z0-9._-]{2,30}$")
_NOT_HANDLES = frozenset({"admin", "anonymous", "author", "autor", "by", "comments", "email", "follow", "share"})
_MAX_CANDIDATES = 12
_MAX_TEXT = 300
_BLOCK_LEVELS = 2
_MAX_BLOCK_TEXT = 160


def visible_authors(marks: Marks, organisations: list[str], language: str | None = None) -> list[str]:
    """Names in the first byline of the article (skipping comments, related stories and bio boxes); a line that
    ends in a colon ("Auteur :") labels the next one."""
    for element in _bylines(marks):
        for line in _lines(element):
            if line.endswith(":") or is_byline_word(line):
                continue
            names = [name for name in clean_authors([line], organisations, language) if _shown_name(name)]
            if names:
                return names
    return []


def _shown_name(name: str) -> bool:
    """A name, or a user name in lower case ("jdoe", "fri.juli") as a blog's byline element shows its writer."""
    return looks_like_name(name) or bool(_HANDLE.match(name) and name not in _NOT_HANDLES)


def written_byline(root: HtmlElement, organisations: list[str], language: str | None = None) -> list[str]:
    """Names of a byline written as text without byline markup: a short element that starts with a byline word
    ("Von Jane Doe", "Par Jane Doe, 21 juin 2018", "Autor: Jane Doe"), outside comments and related stories."""
    for element in root.iter(*_TEXT_BYLINE_TAGS, "h5", "h6"):
        text = element.text
        if not text or not (starts_with_byline_word(text) or labels_a_byline(text)) or elsewhere(element):
            continue
        line = " ".join(element.text_content().split())
        if labels_a_byline(line):
            line = _labelled(element)  # "<strong>Autor:</strong> <a>Jane Doe</a> Tags: ..."
        if len(line) > _MAX_WRITTEN or is_byline_word(line):
            continue
        names = [name for name in clean_authors([line], organisations, language) if looks_like_name(name)]
        if names:
            return names
    return []


def _labelled(label: HtmlElement) -> str:
    """The text a byline label ("Autor:") stands before, up to the next labelled field."""
    following = label.xpath("following::text()[normalize-space()][position() <= 3]")
    return first_field(" ".join(" ".join(following).split()))


def byline_block_text(marks: Marks) -> str | None:
    """The text of the block around the first byline ("Von Jane Doe publiziert am 25. September 2018"): the
    widest of the byline element and its next two ancestors that stays short."""
    first = next(iter(_bylines(marks)), None)
    if first is None:
        return None
    text = None
    for node in (first, *list(first.iterancestors())[:_BLOCK_LEVELS]):
        content = " ".join(node.text_content().split())
        if len(content) > _MAX_BLOCK_TEXT:
            break
        text = content
    return text


def _bylines(marks: Marks) -> list[HtmlElement]:
    search = _CANDIDATE.search
    # An <h1> is the headline or the site's logo (themes mark it up as the author's vcard), never the byline.
    candidates = [element for element, values in marks if values and search(values) and element.tag != "h1"]
    candidates = candidates[:_MAX_CANDIDATES]
    return [
        element
        for element in candidates
        if not _NOT_NAMES.search(_marks(element)) and not _ELSEWHERE.search(_marks(element)) and not elsewhere(element)
    ]


def elsewhere(element: HtmlElement) -> bool:
    """Whether ``element`` belongs to something besides the article: a comment, a related story, a bio box."""
    if element.tag in ("meta", "link", "script", "style"):
        return True
    for node in element.iterancestors():
        if node.tag in ("body", "html"):
            break  # its classes describe the whole page ("sidebar-left" layouts), not a part of it
        # A <blockquote> quotes someone else or embeds another's post (an Instagram card with its own date).
        if node.tag in ("aside", "footer", "nav", "blockquote") or _ELSEWHERE.search(_TAXONOMY.sub("", _marks(node))):
            return True
    return False


def _marks(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _lines(element: HtmlElement) -> list[str]:
    """The element's text line by line (blocks and ``<br>`` break lines), its dates and times, hidden labels and
    parts marked as a title or bio left out; inline elements stay apart ("Beitrag</span>von r23")."""
    skipped = {
        node
        for node in element.iterdescendants()
        if node.tag in _SKIPPED_TAGS or ((node.get("class") or node.get("id")) and _SKIPPED.search(_marks(node)))
    }
    pieces: list[str] = []

    def walk(node: HtmlElement) -> None:
        if node in skipped or not isinstance(node.tag, str):
            return
        if node.tag in _BLOCKS:
            pieces.append("\n")
        pieces.append(node.text or "")
        for child in node:
            pieces.append(" ")
            walk(child)
            pieces.append(child.tail or "")
        if node.tag in _BLOCKS:
            pieces.append("\n")

    walk(element)
    text = "".join(pieces)
    if len(text) > _MAX_TEXT * 4:
        return []
    return [line for line in (" ".join(part.split()) for part in text.split("\n")) if 0 < len(line) <= _MAX_TEXT]
