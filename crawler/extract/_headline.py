"""The visible headline: the page's ``<h1>`` as readers see it, without a site logo or a kicker above the headline."""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.extract._byline import elsewhere

# A line set above or beside the headline proper (German "Dachzeile", English "kicker", "eyebrow"): a topic label,
# not part of the headline. Matched on the class of an element inside the heading.
_KICKER = re.compile(
    r"kicker|roof-?line|over-?line|dachzeile|top-?(?:line|title)|sub-?(?:line|title)|eyebrow|topic-?label|label|"
    r"flag|rubri[ck]|h1-?small|fake-h\d|category|badge|tag(?:line)?\b|section",
    re.I,
)
# Text for screen readers only, or hidden: not what a reader sees.
_HIDDEN = re.compile(
    r"(?:^|[\s_-])(?:element-invisible|invisible|visually-?hidden|sr-only|screen-?reader(?:-text)?|aural|hidden|"
    r"offscreen)(?:$|[\s_])",
    re.I,
)
# The site's own name set as a heading by the theme.
_LOGO = re.compile(r"(?:^|[\s_-])(?:site-?(?:title|name|logo)|logo|brand|masthead)(?:$|[\s_-])", re.I)
_SECONDARY_TAGS = frozenset({"small", "time", "sup", "button", "script", "style", "noscript"})
# Classes naming the heading of the entry itself (WordPress "entry-title", "post-title", forums' "topic-title").
_ENTRY_TITLE = re.compile(r"(?:^|[\s_-])(?:entry|post|topic|article|page|story)-?(?:title|headline)|headline", re.I)
_WORD = re.compile(r"\w+")
# Arrows and bullets a theme sets before a heading ("[> Jens Weber", "» Termine"): not part of it.
_ORNAMENT = re.compile(r"^(?:\[(?=[>\u00bb\u203a])|[>\u00bb\u203a\u2022\u00b7|*~\u2013\u2014\s-])+(?=\w)")
_MAX_HEADINGS = 6
_MAX_SECOND = 3
_MAX_CHARS = 300


class Headline(NamedTuple):
    """A heading's text as shown, and whether its markup names it the entry's title (``entry-title``)."""

    text: str
    marked: bool
    whole: str = ""
    """The heading's whole text, kicker included: what a declaration may restate ("Kicker: Headline")."""


def visible_headlines(root: HtmlElement, url: str, site_keys: set[str]) -> list[Headline]:
    """The page's headlines as shown, most likely the article's first: its ``<h1>`` elements that are not the
    site's logo or name nor hidden, kicker and subtitle left out; when there are none, headings marked as the
    entry's title or linking to the page itself."""
    found: list[Headline] = []
    h1s = list(root.iter("h1"))[:_MAX_HEADINGS]
    shown = [h for h in h1s if not _hidden(h) and not _is_logo(h, url, site_keys)]
    for heading in shown:
        text = None if elsewhere(heading) else _text(heading)
        if text and text not in {headline.text for headline in found}:
            found.append(Headline(text, is_entry_title(heading, url), " ".join(heading.text_content().split())))
    if found or any(_text(heading) for heading in shown):
        return found
    # No <h1> of the article's: a heading marked as the entry's title, else the page's first few <h2>, which a
    # declaration then has to confirm.
    lower = [h for h in root.xpath("//h2|//h3|//h4")[: _MAX_HEADINGS * 4] if not elsewhere(h) and not _hidden(h)]
    for heading in lower:
        text = _text(heading) if is_entry_title(heading, url) else None
        if text:
            return [Headline(text, True)]
    texts = [_text(heading) for heading in lower if heading.tag == "h2"][:_MAX_SECOND]
    return [Headline(text, False) for text in texts if text]


def _hidden(element: HtmlElement) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    return element.get("hidden") is not None or "display:none" in style or bool(_HIDDEN.search(_marks(element)))


def _text(heading: HtmlElement) -> str | None:
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        if node is not heading and (
            node.tag in _SECONDARY_TAGS or _KICKER.search(node.get("class") or "") or _hidden(node)
        ):
            return
        parts.append(node.text or "")
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            parts.append(child.tail or "")

    walk(heading)
    text = _ORNAMENT.sub("", " ".join("".join(parts).split()))
    return text if text and len(text) <= _MAX_CHARS and _WORD.search(text) else None


def _secondary(node: HtmlElement) -> bool:
    return node.tag in _SECONDARY_TAGS or bool(_KICKER.search(node.get("class") or "")) or _hidden(node)


def _is_logo(heading: HtmlElement, url: str, site_keys: set[str]) -> bool:
    """The site's logo or name set in an ``<h1>`` (themes of many blogs do): it links to the site's front page, or
    its text is the site's name."""
    if key(heading.text_content()) in site_keys or _LOGO.search(
        f"{heading.get('class') or ''} {heading.get('id') or ''}"
    ):
        return True
    links = heading.xpath(".//a[@href]")
    if len(links) == 1 and key(links[0].text_content()) == key(heading.text_content()):
        return _is_front_page(links[0].get("href"), url)
    return False


def _is_front_page(href: str, url: str) -> bool:
    parts = urlsplit(href.strip())
    if parts.netloc and url and parts.netloc.lower() != (urlsplit(url).netloc or "").lower():
        return False
    return parts.path.strip("/") == "" and not parts.query


def _marks(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def is_entry_title(heading: HtmlElement, url: str) -> bool:
    """A heading that names the entry: marked so by its class, or a permalink to the page."""
    if _ENTRY_TITLE.search(_marks(heading)):
        return True
    for link in heading.xpath(".//a[@href]"):
        if link.get("rel") == "bookmark" or (url and _same_page(link.get("href"), url)):
            return True
    return False


def _same_page(href: str, url: str) -> bool:
    one, two = urlsplit(href.strip()), urlsplit(url)
    return bool(one.path.strip("/")) and one.path.rstrip("/").endswith(two.path.rstrip("/"))


def key(text: str | None) -> str:
    """Words only, case folded: how two titles are compared."""
    return " ".join(_WORD.findall((text or "").casefold()))
