"""Front-page history: the article links a capture of a source's start page showed, with their rank and box."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parsel import Selector
from scrapy.http import Response, TextResponse

from crawler.config.schema import SourceConfig
from crawler.discovery import links

FRONT_PAGE_META = "front_page"
"""``request.meta`` flag of a run's start-URL listing requests (the recorder writes ``front-page: true``)."""
MAX_LINKS = 1000
"""Article links kept per capture: past this a page is a link farm, not a front page."""
MAX_TEXT = 300
MAX_BOX = 120
BOX_ELEMENTS = frozenset({"section", "aside", "nav", "div", "header", "footer", "main", "ul", "ol"})
"""Elements that can be a box. Not ``article`` nor ``li``: on news pages those are one story each."""
TITLE_TAGS = frozenset({"h2", "h3", "h4"})
TITLE_CLASSES = ("block-title", "widget-title")
"""A box's title: its first heading, or the title element of a tagDiv block or WordPress widget."""
_TELLING_TOKEN = re.compile(
    r"td_block_(?!wrap$|inner$|template_\d+$)[a-z0-9_]+"
    r"|(?:most[-_]?(?:read|popular|viewed|shared|commented)|popular|trending|top[-_]?(?:stories|news)|latest"
    r"|breaking|featured|headlines|editors?[-_]?picks?|lead|hero|recent[-_]posts)(?:[-_][a-z0-9]+)*",
    re.IGNORECASE,
)
"""An ``id`` or class that names a box (tagDiv's ``td_block_…`` blocks, the usual words), matched whole."""


@dataclass(frozen=True)
class FrontPageLink:
    rank: int
    """1 for the first article link in document order; one entry per distinct article URL."""
    url: str
    text: str | None
    """The first non-empty text the URL's links have (an image link's ``title``/``alt`` when that is all)."""
    box: str | None
    """Where the first link to the URL sat: a box's aria-label, heading or telling id/class; None where none tells."""
    other_boxes: tuple[str, ...] = ()
    """Other boxes later links to the same URL sat in (a story both in the lead and in "Most read")."""


@dataclass(frozen=True)
class FrontPage:
    """One capture of a front page and the article links it showed, in page order."""

    source: str
    url: str
    captured_at: datetime
    """The capture's WARC-Date."""
    record_id: str | None
    """The response (or revisit) record the links were read from."""
    links: tuple[FrontPageLink, ...]

    @property
    def digest(self) -> bytes:
        """What an unchanged front page shares with its earlier captures: the same links, order, texts and boxes."""
        rows = [[link.url, link.text, link.box, list(link.other_boxes)] for link in self.links]
        return hashlib.sha1(json.dumps(rows, ensure_ascii=False).encode("utf-8")).digest()


def front_page_items(response: Response, source: SourceConfig, captured_at: datetime) -> list[FrontPage]:
    """The spider's hook in ``parse_listing``: the capture's front page when the request was a start-URL one."""
    if not response.meta.get(FRONT_PAGE_META):
        return []
    page = read_front_page(response, source, response.meta.get("warc_record_id"), captured_at)
    return [page] if page is not None else []


def read_front_page(
    response: Response, source: SourceConfig, record_id: str | None, captured_at: datetime
) -> FrontPage | None:
    """A front-page capture from its (decoded) response, live or replayed; None when it is not an HTML page."""
    if not isinstance(response, TextResponse) or not 200 <= response.status < 300:
        return None
    pattern = links.compile_pattern(source.article_url_pattern)

    def is_article(url: str) -> bool:
        return links.is_article_link(url, response.url, source.allowed_domains, pattern)

    found = article_links(response.selector, response.url, is_article)
    return FrontPage(source.name, response.url, captured_at, record_id, tuple(found))


def article_links(selector: Selector, page_url: str, is_article: Callable[[str], bool]) -> list[FrontPageLink]:
    """The page's article links in document order, ranked, each with its headline and box."""
    base = links.document_base(selector, page_url)
    verdicts: dict[str, bool] = {}
    anchors = []
    for anchor, url in _anchors(selector.root, base):
        if url not in verdicts:
            verdicts[url] = is_article(url)
        if verdicts[url]:
            anchors.append((anchor, url))
    boxes = _Boxes(selector.root, {anchor: url for anchor, url in anchors})
    found: dict[str, dict[str, Any]] = {}
    for anchor, url in anchors:
        box = boxes.of(anchor)
        entry = found.get(url)
        if entry is None:
            if len(found) >= MAX_LINKS:
                continue
            found[url] = {"text": _anchor_text(anchor), "box": box, "others": []}
            continue
        entry["text"] = entry["text"] or _anchor_text(anchor)
        if box is not None and box != entry["box"] and box not in entry["others"]:
            entry["others"].append(box)
    return [
        FrontPageLink(rank, url, entry["text"], entry["box"], tuple(entry["others"]))
        for rank, (url, entry) in enumerate(found.items(), start=1)
    ]


def _anchors(root: Any, base: str) -> Iterator[tuple[Any, str]]:
    """Each ``<a href>`` with its URL (an ``href`` repeated on the page is resolved once)."""
    if root is None or not hasattr(root, "iter"):
        return
    resolved: dict[str, str | None] = {}
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        if href not in resolved:
            resolved[href] = links.resolve_link(base, href)
        if url := resolved[href]:
            yield anchor, url


class _Boxes:
    """The box of each link: the nearest enclosing element whose markup names it.

    What names an element is worked out once per element; only "does its heading come before this link" depends on
    the link, and that is a comparison of positions in document order.
    """

    def __init__(self, root: Any, article_anchors: dict[Any, str]) -> None:
        self.root = root
        self.article_anchors = article_anchors
        self._order: dict[Any, int] = {}
        self._first_title: dict[Any, Any] = {}
        for index, element in enumerate(root.iter()):
            self._order[element] = index
            if _is_title(element):
                # Document order: an ancestor that has a first title already has it before this one, and so do
                # all of its own ancestors.
                parent = element.getparent()
                while parent is not None and parent not in self._first_title:
                    self._first_title[parent] = element
                    parent = parent.getparent()
        self._names: dict[Any, _Names | None] = {}

    def of(self, anchor: Any) -> str | None:
        position = self._order.get(anchor, 0)
        element = anchor.getparent()
        while element is not None:
            names = self._names_of(element)
            if names is not None and (box := names.box(position)):
                return box
            element = element.getparent()
        return None

    def _names_of(self, element: Any) -> _Names | None:
        if element not in self._names:
            self._names[element] = self._compute(element)
        return self._names[element]

    def _compute(self, element: Any) -> _Names | None:
        if not isinstance(element.tag, str) or element.tag not in BOX_ELEMENTS:
            return None
        label = _clean(element.get("aria-label"), MAX_BOX) or self._labelled_by(element)
        heading, position = self._heading(element)
        names = _Names(label, heading, position, _telling_token(element))
        return names if (label or heading or names.token) else None

    def _labelled_by(self, element: Any) -> str | None:
        texts = []
        for name in (element.get("aria-labelledby") or "").split():
            found = self.root.xpath("//*[@id=$name]", name=name)
            if found:
                texts.append(found[0].text_content())
        return _clean(" ".join(texts), MAX_BOX)

    def _heading(self, element: Any) -> tuple[str | None, int]:
        """The element's first heading when it is a title (no article link in it): a story's headline is not."""
        heading = self._first_title.get(element)
        if heading is None:
            return None, 0
        if any(inner in self.article_anchors for inner in heading.iter("a")):
            return None, 0
        return _clean(heading.text_content(), MAX_BOX), self._order.get(heading, 0)


@dataclass(frozen=True)
class _Names:
    """What an element's markup calls it: aria label, title heading (and where it starts), telling id/class."""

    label: str | None
    heading: str | None
    heading_at: int
    token: str | None

    def box(self, position: int) -> str | None:
        """The name for a link at ``position``: a heading titles only the links after it."""
        heading = self.heading if self.heading and self.heading_at < position else None
        return self.label or heading or self.token


def _is_title(element: Any) -> bool:
    if not isinstance(element.tag, str):
        return False  # a comment or processing instruction
    if element.tag in TITLE_TAGS:
        return True
    classes = element.get("class") or ""
    return any(name in classes for name in TITLE_CLASSES)


def _telling_token(element: Any) -> str | None:
    for token in [element.get("id") or "", *(element.get("class") or "").split()]:
        if token and _TELLING_TOKEN.fullmatch(token):
            return token[:MAX_BOX]
    return None


def _anchor_text(anchor: Any) -> str | None:
    text = _clean(anchor.text_content(), MAX_TEXT)
    if text:
        return text
    images = [image.get("alt") for image in anchor.iter("img")]
    return next(filter(None, (_clean(value, MAX_TEXT) for value in (anchor.get("title"), *images))), None)


def _clean(value: str | None, limit: int) -> str | None:
    """Whitespace collapsed, capped; None when nothing is left."""
    if not value:
        return None
    text = " ".join(value.split())
    return text[:limit] or None
