"""What an HTML page loads without a browser: stylesheets, scripts, images (srcset, lazy), icons, og:image.

Pure functions over a parsed page (a parsel ``Selector``, the one Scrapy responses carry), so the crawl, tests and
the benchmark find the same URLs. Stylesheets' own references are found by ``crawler.discovery.css``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.discovery.css import style_attribute_references, stylesheet_references

STYLESHEET = "stylesheet"
SCRIPT = "script"
IMAGE = "image"
ICON = "icon"
FONT = "font"
OTHER = "other"
"""Kinds of requisite: a stylesheet is itself read for what it loads; the others are only archived."""

IMAGE_ATTRIBUTES = ("src", "data-src", "data-lazy-src", "data-original")
SRCSET_ATTRIBUTES = ("srcset", "data-srcset", "data-lazy-srcset")
ICON_RELS = frozenset({"icon", "shortcut", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"})
SHARE_IMAGE_META = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image")

DEFAULT_EXCLUDE = (
    # Ad networks and ad servers.
    r"^https?://([^/]*\.)?(doubleclick\.net|googlesyndication\.com|googleadservices\.com|adservice\.google\.[a-z.]+)/",
    r"^https?://([^/]*\.)?(amazon-adsystem\.com|adnxs\.com|criteo\.(com|net)|taboola\.com|outbrain\.com)/",
    r"^https?://([^/]*\.)?(pubmatic\.com|rubiconproject\.com|openx\.net|casalemedia\.com|moatads\.com)/",
    r"^https?://([^/]*\.)?(googletagservices\.com|adsafeprotected\.com|teads\.tv|smartadserver\.com)/",
    # Analytics, tag managers and tracking pixels.
    r"^https?://([^/]*\.)?(google-analytics\.com|googletagmanager\.com|analytics\.google\.com)/",
    r"^https?://([^/]*\.)?(scorecardresearch\.com|quantserve\.com|chartbeat\.(com|net)|hotjar\.com)/",
    r"^https?://([^/]*\.)?(facebook\.net|connect\.facebook\.com|facebook\.com/tr|bat\.bing\.com|clarity\.ms)",
    r"^https?://([^/]*\.)?(newrelic\.com|nr-data\.net|segment\.(com|io)|mixpanel\.com|parsely\.com)/",
    r"^https?://[^/]+/wp-content/plugins/[^/]*(analytics|stats|pixel)[^/]*/",
    r"^https?://stats\.wp\.com/",
    r"^https?://pixel\.wp\.com/",
)
"""Requisites never fetched, whatever the source says: ads and trackers show nothing a reader came for, they change
on every load (a fresh download each time) and they count the archive's crawler as a visitor."""


@dataclass(frozen=True)
class Requisite:
    """One URL a page loads, absolute and without fragment, and what it is to the page."""

    url: str
    kind: str


SRCSET_MODES = ("largest", "all")


def page_requisites(selector: Selector, page_url: str, *, srcset: str = "all") -> list[Requisite]:
    """Everything the page's HTML names for a browser to load, in document order, each URL once.

    Images: ``src``, every ``srcset`` candidate (``srcset="largest"``: only the largest, beside ``src``: what a
    desktop browser picks, at a fraction of the requests of an image's three to five sizes), ``<picture>``
    sources, the lazy-loading attributes
    (``data-src``, ``data-srcset``, ``data-lazy-src``), ``poster``; CSS: ``<link rel=stylesheet>``, ``<style>``
    blocks' and ``style`` attributes' ``url()``; scripts with ``src``; icons; the page's share image (og:image).
    """
    base = _base_url(selector, page_url)
    found = [
        *_stylesheets(selector, base),
        *_scripts(selector, base),
        *_icons(selector, base),
        *_images(selector, base, srcset),
        *_inline_css(selector, base),
        *_share_images(selector, base),
    ]
    return unique(found)


def stylesheet_requisites(css: str, stylesheet_url: str) -> list[Requisite]:
    """What a stylesheet loads: its ``@import``\\ s (stylesheets) and ``url()``\\ s (fonts, images)."""
    return unique(
        Requisite(ref.url, STYLESHEET if ref.kind == "import" else _kind_by_extension(ref.url))
        for ref in stylesheet_references(css, stylesheet_url)
    )


def srcset_urls(srcset: str) -> list[str]:
    """Every candidate URL of a ``srcset`` (``a.jpg 300w, b.jpg 2x``)."""
    return [url for url, _ in srcset_candidates(srcset)]


def srcset_candidates(srcset: str) -> list[tuple[str, float]]:
    """``(url, size)`` of each ``srcset`` candidate, by HTML's parsing rule: a URL is a run of non-space
    characters (commas inside it survive, trailing ones end it), then descriptors up to a comma. ``size``: the
    width descriptor (``300w``), else the density (``2x``) times 0.001, so widths outrank densities; none is 1x."""
    candidates, position, size = [], 0, len(srcset)
    while position < size:
        while position < size and (srcset[position].isspace() or srcset[position] == ","):
            position += 1
        start = position
        while position < size and not srcset[position].isspace():
            position += 1
        url = srcset[start:position]
        descriptors = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            end = _descriptors_end(srcset, position)
            descriptors, position = srcset[position:end].strip().rstrip(","), end
        if url:
            candidates.append((url, _candidate_size(descriptors)))
    return candidates


def _candidate_size(descriptors: str) -> float:
    for descriptor in descriptors.split():
        number, unit = descriptor[:-1], descriptor[-1:].lower()
        try:
            value = float(number)
        except ValueError:
            continue
        if unit == "w":
            return value
        if unit == "x":
            return value * 0.001
    return 0.001


def _descriptors_end(srcset: str, position: int) -> int:
    depth = 0
    while position < len(srcset):
        char = srcset[position]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "," and not depth:
            return position + 1
        position += 1
    return position


def excluded(url: str, patterns: Sequence[re.Pattern[str]]) -> bool:
    """Matched by one of ``patterns`` (searched in the whole URL)."""
    return any(pattern.search(url) for pattern in patterns)


def compile_patterns(patterns: Iterable[str], *, defaults: bool = True) -> tuple[re.Pattern[str], ...]:
    """The built-in exclusions (unless ``defaults`` is off) followed by a source's own, compiled."""
    chosen = (*DEFAULT_EXCLUDE, *patterns) if defaults else tuple(patterns)
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in chosen)


def unique(requisites: Iterable[Requisite]) -> list[Requisite]:
    """Web URLs only, fragments dropped, each URL once (its first kind kept)."""
    seen: dict[str, Requisite] = {}
    for requisite in requisites:
        url = requisite.url.split("#", 1)[0]
        if urlsplit(url).scheme in ("http", "https") and url not in seen:
            seen[url] = Requisite(url, requisite.kind)
    return list(seen.values())


def _base_url(selector: Selector, page_url: str) -> str:
    base = selector.xpath("//head/base/@href").get()
    return urljoin(page_url, base.strip()) if base else page_url


def _join(base: str, values: Iterable[str | None], kind: str) -> Iterator[Requisite]:
    for value in values:
        value = (value or "").strip()
        if value and not value.startswith(("data:", "javascript:", "about:", "#", "blob:")):
            yield Requisite(urljoin(base, value), kind)


def _rels(link: Selector) -> set[str]:
    return set((link.attrib.get("rel") or "").lower().split())


def _stylesheets(selector: Selector, base: str) -> Iterator[Requisite]:
    for link in selector.xpath("//link[@href]"):
        rels = _rels(link)
        if "stylesheet" in rels:
            yield from _join(base, [link.attrib["href"]], STYLESHEET)
        elif "preload" in rels and link.attrib.get("as") in ("style", "font", "image", "script"):
            kind = {"style": STYLESHEET, "font": FONT, "image": IMAGE, "script": SCRIPT}[link.attrib["as"]]
            yield from _join(base, [link.attrib["href"]], kind)


def _scripts(selector: Selector, base: str) -> Iterator[Requisite]:
    yield from _join(base, selector.xpath("//script/@src").getall(), SCRIPT)


def _icons(selector: Selector, base: str) -> Iterator[Requisite]:
    for link in selector.xpath("//link[@href]"):
        if _rels(link) & ICON_RELS:
            yield from _join(base, [link.attrib["href"]], ICON)


def _images(selector: Selector, base: str, srcset: str) -> Iterator[Requisite]:
    for element in selector.xpath("//img | //picture/source | //input[@type='image'] | //video[@poster]"):
        attributes = element.attrib
        yield from _join(base, (attributes.get(name) for name in IMAGE_ATTRIBUTES), IMAGE)
        yield from _join(base, [attributes.get("poster")], IMAGE)
        for name in SRCSET_ATTRIBUTES:
            if attributes.get(name):
                candidates = srcset_candidates(attributes[name])
                if srcset == "largest" and candidates:
                    candidates = [max(candidates, key=lambda candidate: candidate[1])]
                yield from _join(base, (url for url, _ in candidates), IMAGE)


def _inline_css(selector: Selector, base: str) -> Iterator[Requisite]:
    for css in selector.xpath("//style/text()").getall():
        yield from stylesheet_requisites(css, base)
    for style in selector.xpath("//*[@style]/@style").getall():
        if "url(" in style.lower():
            for ref in style_attribute_references(style, base):
                yield Requisite(ref.url, _kind_by_extension(ref.url))


def share_images(selector: Selector, page_url: str) -> list[Requisite]:
    """The page's share image (og:image, twitter:image): named for other sites, never loaded by the page itself."""
    return unique(_share_images(selector, _base_url(selector, page_url)))


def _share_images(selector: Selector, base: str) -> Iterator[Requisite]:
    for meta in selector.xpath("//meta[@content]"):
        name = (meta.attrib.get("property") or meta.attrib.get("name") or "").lower()
        if name in SHARE_IMAGE_META:
            yield from _join(base, [meta.attrib["content"]], IMAGE)


_FONT_EXTENSIONS = (".woff2", ".woff", ".ttf", ".otf", ".eot")


def _kind_by_extension(url: str) -> str:
    path = urlsplit(url).path.lower()
    if path.endswith(_FONT_EXTENSIONS):
        return FONT
    if path.endswith(".css"):
        return STYLESHEET
    return IMAGE
