"""Sitemaps: robots.txt ``Sitemap:`` lines, sitemap indexes, urlsets (gzip or not), Google News dates."""

from __future__ import annotations

import gzip
import logging
import re
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.discovery.entries import Discovered, parse_datetime

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
FALLBACK_PATHS = ("/wp-sitemap.xml", "/sitemap_index.xml")
"""WordPress core's and Yoast's sitemap index, tried when robots.txt names no sitemap."""

MAX_UNCOMPRESSED = 50 * 1024 * 1024
"""The sitemaps protocol caps a sitemap at 50 MB uncompressed; more is refused (a gzip bomb)."""

# Sub-sitemaps of taxonomies, authors and static pages list no articles (WordPress core and Yoast names).
_NON_ARTICLE_SITEMAP = re.compile(
    r"(?:^|[-_])(?:category|categories|tags?|post_tag|authors?|users?|taxonomies|pages?)(?:[-_.\d]|$)",
    re.IGNORECASE,
)

_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)


class SitemapTooLarge(ValueError):
    """A compressed sitemap inflates past :data:`MAX_UNCOMPRESSED`."""


@dataclass(frozen=True)
class Sitemap:
    kind: str
    """``sitemapindex``, ``urlset``, or ``""`` when the document is not a sitemap."""
    entries: tuple[Discovered, ...]


def sitemap_urls_from_robots(body: bytes, base_url: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt, absolute, in order, without duplicates."""
    urls: list[str] = []
    for raw in body.splitlines():
        line = raw.split(b"#", 1)[0].strip()
        if line[:8].lower() != b"sitemap:":
            continue
        try:
            value = line[8:].strip().decode("utf-8")
        except UnicodeDecodeError:
            continue
        url = urljoin(base_url, value)
        if value and url not in urls:
            urls.append(url)
    return urls


def parse_sitemap(body: bytes) -> Sitemap:
    """A sitemap index or urlset; gzip is recognised by its magic bytes, not by the URL's extension."""
    if body[:2] == GZIP_MAGIC:
        body = gunzip_bounded(body)
    if not body.strip():
        return Sitemap("", ())
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        return Sitemap("", ())
    if root is None:
        return Sitemap("", ())
    kind = etree.QName(root).localname
    if kind not in ("sitemapindex", "urlset"):
        return Sitemap("", ())
    child = "sitemap" if kind == "sitemapindex" else "url"
    entries = tuple(entry for entry in (_entry(element) for element in root if _local(element) == child) if entry)
    return Sitemap(kind, entries)


def gunzip_bounded(body: bytes, limit: int = MAX_UNCOMPRESSED) -> bytes:
    """Inflate gzip data, refusing more than ``limit`` bytes; a truncated stream gives what it holds."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as e:
        raise gzip.BadGzipFile(str(e)) from e
    if len(data) > limit:
        raise SitemapTooLarge(f"sitemap inflates past {limit} bytes")
    return data


def lists_articles(sitemap_url: str) -> bool:
    """Whether a sub-sitemap may list articles (not a taxonomy, author or static-page sitemap)."""
    name = urlsplit(sitemap_url).path.rstrip("/").rsplit("/", 1)[-1]
    return not _NON_ARTICLE_SITEMAP.search(name.removesuffix(".gz").removesuffix(".xml"))


def fallback_sitemap_urls(site_url: str) -> list[str]:
    """WordPress/Yoast sitemap index locations on the site of ``site_url``."""
    return [urljoin(site_url, path) for path in FALLBACK_PATHS]


def _entry(element: etree._Element) -> Discovered | None:
    # Only direct children: <image:loc> and <video:...> nest their own fields below <url>.
    fields = {_local(node): (node.text or "").strip() for node in element if isinstance(node.tag, str)}
    loc = fields.get("loc")
    if not loc:
        return None
    published = next((node.text for node in element.iter("{*}publication_date") if node.text), None)
    return Discovered(url=loc, modified=parse_datetime(fields.get("lastmod")), published=parse_datetime(published))


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""
