"""Meta tags, OpenGraph, ``article:*``, microdata ``itemprop`` and link relations of a page, collected once."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml.html import HtmlElement


@dataclass
class PageMeta:
    """What the page's ``<head>`` (and microdata) declares; keys lower-case, values in document order."""

    values: dict[str, list[str]] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)
    html_lang: str | None = None
    title_tag: str | None = None

    def first(self, *keys: str) -> str | None:
        """The first non-empty value among ``keys``, in the order of the keys."""
        for key in keys:
            for value in self.values.get(key, ()):
                if value.strip():
                    return value.strip()
        return None

    def all(self, *keys: str) -> list[str]:
        """Every non-empty value of ``keys``, in key order."""
        return [value.strip() for key in keys for value in self.values.get(key, ()) if value.strip()]

    def link(self, rel: str) -> str | None:
        hrefs = self.links.get(rel)
        return hrefs[0] if hrefs else None


def read_meta(root: HtmlElement) -> PageMeta:
    """Collect ``<meta>``, ``<link rel>``, ``itemprop`` values, ``<html lang>`` and ``<title>``."""
    meta = PageMeta()
    for element in root.iter("meta"):
        content = element.get("content")
        if content is None:
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            # RDFa and microdata allow several space-separated names: property="og:title twitter:title".
            for key in (element.get(attribute) or "").lower().split():
                meta.values.setdefault(key, []).append(content)
    for element in root.xpath("//*[@itemprop][not(self::meta)]"):
        value = element.get("datetime") or element.get("content")
        if value is None and element.tag not in ("div", "section", "article", "body"):
            value = " ".join(element.text_content().split())[:300]
        if value:
            for key in element.get("itemprop").lower().split():
                meta.values.setdefault("itemprop:" + key, []).append(value)
    for element in root.iter("link"):
        href, rel = element.get("href"), element.get("rel")
        if href and rel:
            for name in rel.lower().split():
                meta.links.setdefault(name, []).append(href.strip())
    meta.html_lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    titles = root.xpath("//head/title|//title")
    if titles:
        meta.title_tag = " ".join(titles[0].text_content().split()) or None
    return meta
