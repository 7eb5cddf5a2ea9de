"""Section and listing pages: which links are articles, which are the listing's next pages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from w3lib.url import canonicalize_url, safe_url_string

# Path segments that name a listing, an archive or machinery, never an article.
_NON_ARTICLE_SEGMENTS = frozenset(
    {
        "category", "categories", "tag", "tags", "topic", "topics", "author", "authors", "page", "feed", "rss",
        "search", "comments", "trackback", "embed", "amp", "login", "register", "cart", "account", "about",
        "contact", "privacy-policy", "terms", "subscribe", "xmlrpc.php", "cdn-cgi",
    }
)  # fmt: skip
_NON_ARTICLE_EXTENSIONS = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|css|js|json|xml|gz|zip|pdf|mp3|mp4|webm|txt)$", re.IGNORECASE
)
_DATE_PATH = re.compile(r"/(?:19|20)\d\d/(?:0?[1-9]|1[0-2])(?:/|$)")
_NUMERIC_ID = re.compile(r"(?:^|[-_])\d{4,}(?:\.html?)?$|^\d{4,}(?:\.html?)?$")
_PAGINATION = re.compile(r"/page/\d+/?$|[?&](?:paged?|p)=\d+(?:&|$)", re.IGNORECASE)
_MIN_SLUG_WORDS = 3


def url_key(url: str) -> str:
    """The form URLs are compared in (known articles, a run's requests, sitemaps already fetched, absences)."""
    return canonicalize_url(url.strip(), keep_fragments=False)


def host_allowed(url: str, allowed_domains: Sequence[str]) -> bool:
    """Whether the URL's host is one of the domains or below one (no domains: any host)."""
    if not is_web_url(url):
        return False
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not allowed_domains:
        return True
    return any(host == domain or host.endswith("." + domain) for domain in _domains(allowed_domains))


def same_site(url: str, other: str) -> bool:
    """Same host, ignoring a leading ``www.``."""
    return _bare_host(url) == _bare_host(other) != ""


def is_excluded_path(url: str) -> bool:
    """A path no article has: the home page, taxonomies, authors, feeds, WordPress machinery, files."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return True
    segments = [segment.lower() for segment in parts.path.split("/") if segment]
    if not segments:
        return True
    if any(segment in _NON_ARTICLE_SEGMENTS or segment.startswith("wp-") for segment in segments):
        return True
    if "?" in url and _PAGINATION.search(url):
        return True
    return bool(_NON_ARTICLE_EXTENSIONS.search(parts.path))


def looks_like_article(url: str, pattern: re.Pattern[str] | None = None) -> bool:
    """Article URL test for links on section pages: ``pattern`` when configured, else a heuristic.

    The heuristic wants a slug of several words, a numeric id or a ``/YYYY/MM/`` date in the path, and none of the
    listing/machinery segments of :func:`is_excluded_path`.
    """
    if pattern is not None:
        return bool(pattern.search(url))
    if is_excluded_path(url):
        return False
    path = urlsplit(url).path
    if _DATE_PATH.search(path):
        return True
    last = [segment for segment in path.split("/") if segment][-1]
    return bool(_NUMERIC_ID.search(last)) or len(re.split(r"[-_]+", last)) >= _MIN_SLUG_WORDS


def html_selector(body: str | bytes) -> Selector:
    return Selector(text=body.decode("utf-8", "replace") if isinstance(body, bytes) else body)


def page_links(selector: Selector, base_url: str) -> list[str]:
    """Absolute http(s) links of an HTML page, without fragments, in document order, deduplicated."""
    base_url = document_base(selector, base_url)
    seen: dict[str, None] = {}
    for href in selector.xpath("//a/@href").getall():
        if url := resolve_link(base_url, href):
            seen.setdefault(url, None)
    return list(seen)


def document_base(selector: Selector, page_url: str) -> str:
    """What the page's relative links resolve against: its ``<base href>``, else its own URL."""
    base = selector.xpath("//base/@href").get()
    return urljoin(page_url, base.strip()) if base else page_url


def resolve_link(base_url: str, href: str) -> str | None:
    """An ``href`` as :func:`page_links` lists it (absolute, escaped, no fragment), or None when not http(s)."""
    url = safe_url_string(urljoin(base_url, href.strip())).split("#", 1)[0]
    return url if url.startswith(("http://", "https://")) else None


def is_article_link(url: str, page_url: str, allowed_domains: Sequence[str], pattern: re.Pattern[str] | None) -> bool:
    """An article link of a section page: on the source's domains (else the page's site) and article-like."""
    on_site = host_allowed(url, allowed_domains) if allowed_domains else same_site(url, page_url)
    return on_site and looks_like_article(url, pattern)


def pagination_links(selector: Selector, base_url: str) -> list[str]:
    """A listing's next pages: ``rel=next`` links and WordPress-style ``/page/N/`` or ``?paged=N`` links."""
    found: dict[str, None] = {}
    for href in selector.xpath("//link[@rel='next']/@href | //a[contains(concat(' ', @rel, ' '), ' next ')]/@href"):
        found.setdefault(safe_url_string(urljoin(base_url, href.get().strip())).split("#", 1)[0], None)
    for url in page_links(selector, base_url):
        if _PAGINATION.search(url):
            found.setdefault(url, None)
    return [url for url in found if url != base_url and is_web_url(url) and same_site(url, base_url)]


def is_web_url(url: str) -> bool:
    """An http(s) URL with a host: the only kind discovery follows."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _domains(allowed_domains: Iterable[str]) -> list[str]:
    return [domain.lower().strip().lstrip(".") for domain in allowed_domains if domain.strip()]


def _bare_host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")
