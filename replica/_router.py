"""Maps a request path to the replica's response, rendering each page once and caching it until the site changes."""

from __future__ import annotations

import gzip
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from replica import _feeds, _listing_pages, _sitemaps, _wpjson
from replica._article_page import render_article
from replica._media import png
from replica._resource import (
    ATOM,
    CORE_XML,
    GZIP,
    HTML,
    JSON,
    PNG,
    RSS,
    TEXT,
    YOAST_XML,
    Fault,
    Resource,
    redirect,
)
from replica._theme import theme_resource
from replica.site import ReplicaSite

CACHE_SIZE = 2048
"""Rendered responses kept (LRU); an article page is ~55 kB plus ~15 kB gzipped."""
_STATIC_PAGES = {
    "/about-us/": "About Us",
    "/contact-us/": "Contact Us",
    "/advertise/": "Advertise",
    "/privacy-policy/": "Privacy Policy",
}
_ARTICLE = re.compile(r"^/([a-z0-9-]+)-(\d+)(/?)$")
_PAGED = re.compile(r"^(/|/category/[a-z0-9-]+/|/tag/[a-z0-9-]+/|/author/[a-z0-9-]+/)(?:page/(\d+)/)?$")
_POST_SITEMAP = re.compile(r"^/post-sitemap(\d*)\.xml(\.gz)?$")
_CORE_POSTS = re.compile(r"^/wp-sitemap-posts-post-(\d+)\.xml$")
_MONTHLY = re.compile(r"^/sitemap-pt-post-(\d{4})-(\d{2})\.xml$")
_CATEGORY_FEED = re.compile(r"^/category/([a-z0-9-]+)/feed/$")

ROBOTS = """User-agent: *
Disallow: /wp-admin/
Allow: /wp-admin/admin-ajax.php
Disallow: /private/
Disallow: /?s=
Disallow: /search/

Sitemap: {base}/sitemap_index.xml
"""


Resolver = Callable[["ReplicaRouter", str, dict[str, str]], Resource | Fault]
"""``resolve(router, path, query)``: the answer for a path under a mount's prefix (query: the parsed query string)."""


@dataclass(frozen=True)
class Mount:
    """Extra routes the caller installs: every path starting with ``prefix`` is answered by ``resolve``.

    Mounts are asked before the site's own routes, in the order given, on every request (never cached, outside the
    site's lock): what they serve may depend on the query or misbehave on the socket (a ``Fault``). The replica's
    hostile routes are one: ``replica.faults.MOUNT``.
    """

    prefix: str
    resolve: Resolver


class ReplicaRouter:
    """Resolves ``(path?query)`` for a site served at ``base``; thread-safe.

    Site: ``/`` and ``/page/N/`` (chunked), ``/category/S/`` (+ ``page/N/``, chunked), ``/tag/T/``, ``/author/A/``,
    ``/<slug>-<id>/`` articles (any other slug or no trailing slash: 301 to it), ``/?p=ID`` and ``/old/<slug>/``: 301,
    images under ``/wp-content/uploads/``, ``/about-us/`` and other footer pages, ``/private/...`` (robots-disallowed),
    ``/broken/500/``: 500, anything else: the theme's 404 page.
    Discovery: ``/robots.txt``, ``/feed/`` (``?paged=N``), ``/feed/atom/``, ``/category/S/feed/``,
    ``/sitemap_index.xml`` → ``/post-sitemap[N].xml`` (also ``.xml.gz``), ``/category-sitemap.xml``,
    ``/news-sitemap.xml``; core ``/wp-sitemap.xml`` → ``/wp-sitemap-posts-post-N.xml``,
    ``/wp-sitemap-taxonomies-category-1.xml``; ``/wp-json/`` and
    ``/wp-json/wp/v2/{posts,posts/ID,categories,tags,users}``.
    Nothing else: the hostile ``/faults/...`` routes are served only with ``replica.faults.MOUNT`` among ``mounts``
    (see ``Mount``); without it they are the theme's 404 like any unknown path.
    """

    def __init__(
        self, site: ReplicaSite, base: str, mounts: Iterable[Mount] = (), *, media_base: str | None = None
    ) -> None:
        """``media_base``: where pages say their photos' other sizes and lazy images are (a second host name, as
        news sites serve photos from a media host); by default the site itself, whose router answers them too."""
        self.site = site
        self.base = base
        self.media_base = media_base or base
        self.mounts = tuple(mounts)
        self._cache: OrderedDict[tuple[int, str, str], Resource] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, target: str) -> Resource | Fault:
        split = urlsplit(target)
        for mount in self.mounts:
            if split.path.startswith(mount.prefix):
                return mount.resolve(self, split.path, dict(parse_qsl(split.query)))
        # Keyed by the site's generation and day, so a page rendered before an edit is never served after it.
        key = (self.site.generation, self.site.date_bar(), target)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        with self.site.lock:
            key = (self.site.generation, self.site.date_bar(), target)
            resource = self._route(split.path, dict(parse_qsl(split.query)))
        with self._lock:
            self._cache[key] = resource
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return resource

    def prerender(self) -> int:
        """Render every article page and the discovery documents now; returns how many were rendered."""
        targets = ["/", "/feed/", "/sitemap_index.xml", "/news-sitemap.xml", "/robots.txt"]
        targets += [self.site.article_path(a) for a in self.site.articles[: CACHE_SIZE - len(targets)]]
        for target in targets:
            resource = self.resolve(target)
            if isinstance(resource, Resource) and resource.compressible:
                resource.gzipped()
        return len(targets)

    def _route(self, path: str, query: dict[str, str]) -> Resource:
        for handler in (self._query_routes, self._discovery, self._listings, self._articles, self._misc):
            resource = handler(path, query)
            if resource is not None:
                return resource
        return self.not_found()

    def not_found(self) -> Resource:
        return Resource(404, _listing_pages.render_not_found(self.site, self.base).encode("utf-8"))

    def _html(self, text: str | None, *, chunked: bool = False) -> Resource | None:
        if text is None:
            return None
        return Resource(200, text.encode("utf-8"), HTML, last_modified=self.site.last_modified(), chunked=chunked)

    def _query_routes(self, path: str, query: dict[str, str]) -> Resource | None:
        """``/?p=ID`` (WordPress's plain permalink) redirects to the post."""
        if path == "/" and "p" in query:
            article = self.site.article_by_id(int(query["p"])) if query["p"].isdigit() else None
            return redirect(self.base + self.site.article_path(article)) if article else self.not_found()
        return None

    def _discovery(self, path: str, query: dict[str, str]) -> Resource | None:
        site, base = self.site, self.base
        simple: dict[str, Callable[[], Resource]] = {
            "/robots.txt": lambda: Resource(200, ROBOTS.format(base=base).encode(), TEXT, compressible=False),
            "/feed/": lambda: self._feed(_feeds.render_rss(site, base, paged=_int(query.get("paged"), 1)), RSS),
            "/feed/atom/": lambda: self._feed(_feeds.render_atom(site, base), ATOM, chunked=True),
            "/feed": lambda: redirect(base + "/feed/"),
            "/sitemap_index.xml": lambda: self._xml(_sitemaps.render_index(site, base), YOAST_XML),
            "/category-sitemap.xml": lambda: self._xml(_sitemaps.render_categories(site, base), YOAST_XML),
            "/news-sitemap.xml": lambda: self._xml(_sitemaps.render_news(site, base), YOAST_XML),
            "/wp-sitemap.xml": lambda: self._xml(_sitemaps.render_core_index(site, base), CORE_XML),
            "/sitemap-monthly.xml": lambda: self._xml(_sitemaps.render_monthly_index(site, base), CORE_XML),
            "/wp-sitemap-taxonomies-category-1.xml": lambda: self._xml(
                _sitemaps.render_core_categories(site, base), CORE_XML
            ),
        }
        if path in simple:
            return simple[path]()
        if path.startswith("/wp-json"):
            return self._api(path, query)
        return self._numbered_discovery(path, query)

    def _numbered_discovery(self, path: str, query: dict[str, str]) -> Resource | None:
        if match := _CATEGORY_FEED.match(path):
            if match.group(1) not in self.site.sections():
                return None
            text = _feeds.render_rss(
                self.site, self.base, section_slug=match.group(1), paged=_int(query.get("paged"), 1)
            )
            return self._feed(text, RSS)
        if match := _POST_SITEMAP.match(path):
            text = _sitemaps.render_posts(self.site, self.base, _int(match.group(1), 1))
            if text is None:
                return None
            if match.group(2):
                body = gzip.compress(text.encode("utf-8"), mtime=0)
                return Resource(200, body, GZIP, last_modified=self.site.last_modified(), compressible=False)
            return self._xml(text, YOAST_XML)
        if match := _MONTHLY.match(path):
            text = _sitemaps.render_month(self.site, self.base, int(match.group(1)), int(match.group(2)))
            return self._xml(text, CORE_XML) if text else None
        if match := _CORE_POSTS.match(path):
            text = _sitemaps.render_core_posts(self.site, self.base, int(match.group(1)))
            return self._xml(text, CORE_XML) if text else None
        return None

    def _feed(self, text: str, content_type: str, *, chunked: bool = False) -> Resource:
        return Resource(
            200, text.encode("utf-8"), content_type, last_modified=self.site.last_modified(), chunked=chunked
        )

    def _xml(self, text: str, content_type: str) -> Resource:
        return Resource(200, text.encode("utf-8"), content_type, last_modified=self.site.last_modified())

    def _api(self, path: str, query: dict[str, str]) -> Resource | None:
        site, base = self.site, self.base
        routes: dict[str, Callable[[], _wpjson.ApiResponse]] = {
            "/wp-json/": lambda: _wpjson.index(base),
            "/wp-json/wp/v2/posts": lambda: _wpjson.posts(site, base, query),
            "/wp-json/wp/v2/categories": lambda: _wpjson.terms(site, base, "category"),
            "/wp-json/wp/v2/tags": lambda: _wpjson.terms(site, base, "tag"),
            "/wp-json/wp/v2/users": lambda: _wpjson.users(site, base),
        }
        key = path.rstrip("/") if path != "/wp-json/" else path
        if key in routes:
            answer = routes[key]()
        elif match := re.match(r"^/wp-json/wp/v2/posts/(\d+)/?$", path):
            answer = _wpjson.single_post(site, base, int(match.group(1)))
        else:
            answer = _wpjson.ApiResponse(
                404,
                _wpjson.encode(
                    {
                        "code": "rest_no_route",
                        "message": "No route was found matching the URL and request method.",
                        "data": {"status": 404},
                    }
                ),
            )
        headers = [
            ("X-Robots-Tag", "noindex"),
            ("Access-Control-Expose-Headers", "X-WP-Total, X-WP-TotalPages, Link"),
            *answer.headers,
        ]
        return Resource(answer.status, answer.body, JSON, headers)

    def _listings(self, path: str, query: dict[str, str]) -> Resource | None:
        match = _PAGED.match(path)
        if not match:
            return None
        prefix, page = match.group(1), _int(match.group(2), 1)
        if prefix == "/":
            return self._html(_listing_pages.render_home(self.site, self.base, page), chunked=True)
        kind, slug = prefix.strip("/").split("/")
        if kind == "category":
            return self._html(_listing_pages.render_category(self.site, self.base, slug, page), chunked=True)
        return self._html(_listing_pages.render_term(self.site, self.base, kind, slug, page), chunked=True)

    def _articles(self, path: str, query: dict[str, str]) -> Resource | None:
        if path.startswith("/old/"):
            slug = path[len("/old/") :].strip("/")
            article = next((a for a in self.site.articles if a.slug == slug), None)
            return redirect(self.base + self.site.article_path(article)) if article else None
        match = _ARTICLE.match(path)
        article = self.site.article_by_id(int(match.group(2))) if match else None
        if article is None:
            return None
        canonical = self.site.article_path(article)
        if path != canonical:
            return redirect(self.base + canonical)
        html = render_article(self.site, article, self.base, media=self.media_base).encode("utf-8")
        headers = [
            ("Link", f'<{self.base}/wp-json/>; rel="https://api.w.org/"'),
            ("Link", f'<{self.base}/wp-json/wp/v2/posts/{article.id}>; rel="alternate"; type="application/json"'),
            ("Link", f"<{self.base}/?p={article.id}>; rel=shortlink"),
        ]
        return Resource(200, html, HTML, headers, last_modified=article.last_modified)

    def _misc(self, path: str, query: dict[str, str]) -> Resource | None:
        if theme := theme_resource(path, self.site.theme_revision, self.site.theme_modified):
            return theme
        if path.startswith("/wp-content/uploads/") and path.endswith(".png"):
            article = next((a for a in self.site.articles if a.image_path == path), None)
            stamp = article.published if article else self.site.last_modified()
            return Resource(200, png(path), PNG, last_modified=stamp, compressible=False)
        if path in _STATIC_PAGES:
            return self._html(_listing_pages.render_static(self.site, self.base, _STATIC_PAGES[path]))
        if path.startswith("/private/"):
            return self._html(_listing_pages.render_static(self.site, self.base, "Newsroom schedule (private)"))
        if path == "/broken/500/":
            body = (
                b"<!DOCTYPE html><html><head><title>WordPress &rsaquo; Error</title></head><body><p>There has "
                b"been a critical error on this website.</p></body></html>"
            )
            return Resource(500, body, HTML)
        if path == "/wp-admin/admin-ajax.php":
            return Resource(400, b"0", HTML, compressible=False)
        if path.startswith("/wp-admin"):
            return redirect(f"{self.base}/wp-login.php?redirect_to=%2Fwp-admin%2F&reauth=1", 302)
        return None


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default
