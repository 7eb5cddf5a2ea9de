"""Article metadata from the page's own declarations, in order of trust: JSON-LD, meta tags, trafilatura/htmldate."""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.extract import _jsonld
from crawler.extract._document import page_marks
from crawler.extract._language import primary_tag
from crawler.extract._meta import PageMeta, read_meta
from crawler.extract._people import choose_authors
from crawler.extract._published import PageDates
from crawler.extract._title import choose_title, title_key
from crawler.extract._urls import absolute_url, canonical_url, registrable_domain
from crawler.extract.article import ArticleFields
from crawler.extract.fallback import FallbackMetadata

log = logging.getLogger(__name__)

_MAX_TAGS = 50
_MAX_SITE_WORDS = 5


@dataclass(frozen=True)
class Metadata(ArticleFields):
    """Everything about an article except its body."""

    site_names: list[str] = field(default_factory=list)
    declared_type: str | None = None
    """``article`` when JSON-LD or ``og:type`` declares one, ``listing`` for a collection page, else ``None``."""


def extract_metadata(root: HtmlElement, url: str) -> Metadata:
    """Read the page's metadata (``url``: where it was fetched, ``""`` when unknown)."""
    nodes = _jsonld.nodes(root)
    article = _jsonld.article_node(nodes) or {}
    page = _jsonld.page_node(nodes) or {}
    meta = read_meta(root)
    fallback = FallbackMetadata(root, url)
    sites = _site_names(nodes, article, meta, url)
    marks = page_marks(root)
    language = _language(article, meta)
    title = _title(root, article, meta, sites, fallback, url)
    dates = PageDates(root, marks, article, page, meta, language, title)
    modified_at = dates.modified()
    return Metadata(
        url=canonical_url(url, [meta.link("canonical"), meta.first("og:url")]),
        site_names=sites,
        declared_type=_declared_type(nodes, article, meta),
        title=title,
        language=language,
        authors=choose_authors(marks, article, nodes, meta, sites, fallback, language, root),
        modified_at=modified_at,
        published_at=dates.published(url, fallback, modified_at),
        section=_first_text(article.get("articleSection"), meta.first("article:section", "parsely-section")),
        tags=_tags(article.get("keywords"), meta),
        summary=_first_text(article.get("description"), meta.first("og:description", "description")),
        image_url=absolute_url(url, meta.first("og:image", "og:image:url", "twitter:image") or _image(article)),
    )


def _declared_type(nodes: list[dict[str, Any]], article: dict[str, Any], meta: PageMeta) -> str | None:
    if article or (meta.first("og:type") or "").lower() == "article":
        return "article"
    if any(_jsonld.node_types(node) & _jsonld.LISTING_TYPES - {"website"} for node in nodes):
        return "listing"
    if (meta.first("og:type") or "").lower() == "website":
        return "website"
    return None


def _site_names(nodes: list[dict[str, Any]], article: dict[str, Any], meta: PageMeta, url: str) -> list[str]:
    publisher = _jsonld.resolve(article.get("publisher"), nodes)
    names = [meta.first("og:site_name"), meta.first("application-name"), _jsonld.name_of(publisher)]
    names += [
        _jsonld.name_of(node) for node in nodes if _jsonld.node_types(node) & {"organization", "newsmediaorganization"}
    ]
    names += [_jsonld.name_of(node) for node in nodes if _jsonld.node_types(node) == {"website"}]
    names.append(_title_tag_site(meta, _first_text(article.get("headline"))))
    host = urlsplit(url).hostname or ""
    domain = registrable_domain(url) if host else ""
    names += [domain, domain.split(".")[0], host]
    return [name for name in dict.fromkeys(names) if name]


def _title_tag_site(meta: PageMeta, headline: str | None) -> str | None:
    """The site name a ``<title>`` adds after the headline the page declares elsewhere ("Headline - Site")."""
    title, keys = meta.title_tag or "", {title_key(text) for text in (headline, meta.first("og:title")) if text}
    match = re.match(r"^(.+?)\s+(?:[|\-\u2013\u2014:·•»]|::)\s+([^|\-\u2013\u2014:·•»]{2,60})$", title)
    if match and title_key(match[1]) in keys and len(match[2].split()) <= _MAX_SITE_WORDS:
        return match[2].strip()
    return None


def _title(
    root: HtmlElement, article: dict[str, Any], meta: PageMeta, sites: list[str], fallback: FallbackMetadata, url: str
) -> str | None:
    declared = [
        _first_text(article.get("headline")),
        _first_text(article.get("name")),
        meta.first("dc:title", "dc.title", "dcterms.title"),
        meta.first("og:title"),
        meta.first("twitter:title"),
        meta.first("itemprop:headline"),
    ]
    title = choose_title(root, url, declared, meta.title_tag, sites, fallback.title)
    return unicodedata.normalize("NFC", title) if title else None


def _first_text(*values: Any) -> str | None:
    """The first non-empty text; JSON-LD written by templates often holds HTML entities ("&#8211;"): decoded."""
    for value in values:
        if isinstance(value, list):
            value = next((item for item in value if isinstance(item, str) and item.strip()), None)
        if isinstance(value, str) and value.strip():
            return " ".join(html.unescape(value).split())
    return None


def _tags(keywords: Any, meta: PageMeta) -> tuple[str, ...]:
    values: list[str] = []
    if isinstance(keywords, list):
        # A JSON-LD list is already split: commas inside an item belong to it ("Biden, Joseph R Jr").
        values = [item.strip() for item in keywords if isinstance(item, str) and item.strip()]
    elif isinstance(keywords, str):
        values = [part.strip() for part in keywords.split(",") if part.strip()]
    for source in (meta.all("article:tag"), meta.all("news_keywords", "keywords", "parsely-tags")):
        if values:
            break
        values = [part.strip() for item in source for part in item.split(",") if part.strip()]
    unique: dict[str, str] = {}
    for value in values:
        if len(value) <= 100:
            unique.setdefault(value.casefold(), " ".join(value.split()))
    return tuple(unique.values())[:_MAX_TAGS]


def _language(article: dict[str, Any], meta: PageMeta) -> str | None:
    in_language = article.get("inLanguage")
    if isinstance(in_language, dict):
        in_language = in_language.get("name") or in_language.get("alternateName")
    candidates = [meta.html_lang, in_language, meta.first("content-language", "og:locale", "dc.language", "language")]
    for candidate in candidates:
        tag = primary_tag(candidate)
        if tag:
            return tag
    return None


def _image(article: dict[str, Any]) -> str | None:
    image = article.get("image") or article.get("thumbnailUrl")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url") or image.get("contentUrl")
    return image if isinstance(image, str) else None
