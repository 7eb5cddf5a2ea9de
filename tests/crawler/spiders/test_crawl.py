"""The spiders in real Scrapy crawls (a subprocess each) against a small WordPress-like site on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.crawler.spiders._support import ARTICLE_PAGE, run_crawl

ARTICLES = [f"/story-number-{n}-from-the-desk-5436000{n}/" for n in range(1, 6)]
PRIVATE = "/private/secret-story-from-the-desk-54369999/"


def _rss(base: str, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>t</title><link>{base}{path}</link></item>" for path in paths)
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>{base}</link>'
        f"<generator>https://wordpress.org/?v=6.5</generator>{items}</channel></rss>"
    ).encode()


def _urlset(base: str, paths: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{base}{path}</loc><lastmod>2024-07-13</lastmod></url>" for path in paths)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


def _index(base: str, paths: list[str]) -> bytes:
    maps = "".join(f"<sitemap><loc>{base}{path}</loc></sitemap>" for path in paths)
    return (
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
    ).encode()


def _listing(paths: list[str]) -> bytes:
    anchors = "".join(f'<a href="{path}">story</a>' for path in [*paths, "/category/news/", "/about-us/"])
    return f"<!doctype html><html><body>{anchors}</body></html>".encode()


class _Site(BaseHTTPRequestHandler):
    seen: list[str]
    wp_api: bool

    def do_GET(self) -> None:
        self.seen.append(self.path)
        base = f"http://127.0.0.1:{self.server.server_port}"
        routes: dict[str, tuple[str, bytes]] = {
            "/robots.txt": ("text/plain", f"User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap_index.xml".encode()),  # noqa: E501
            "/sitemap_index.xml": (
                "application/xml",
                _index(base, ["/post-sitemap.xml.gz", "/page-sitemap.xml", "/sitemap_index.xml"]),
            ),
            "/post-sitemap.xml.gz": ("application/x-gzip", gzip.compress(_urlset(base, [*ARTICLES[:2], PRIVATE]))),
            "/feed/": ("application/rss+xml", _rss(base, [ARTICLES[0], ARTICLES[2]])),
            "/": ("text/html", _listing([ARTICLES[1], ARTICLES[4]])),
        }  # fmt: skip
        if self.wp_api:
            posts = [{"link": base + ARTICLES[3], "modified_gmt": "2024-07-13T05:00:00"}]
            routes["/wp-json/wp/v2/posts"] = ("application/json", json.dumps(posts).encode())
        path = self.path.split("?", 1)[0]
        if path in ARTICLES or path == PRIVATE:
            routes[path] = ("text/html; charset=utf-8", ARTICLE_PAGE)
        if self.path.startswith("/feed/?paged") or path not in routes:
            return self._send(404, "text/html", b"<html><body>Not found</body></html>")
        self._send(200, *routes[path], total_pages=path.startswith("/wp-json"))

    def _send(self, status: int, content_type: str, body: bytes, total_pages: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if total_pages:
            self.send_header("X-WP-TotalPages", "1")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(params=[False, True], ids=["news", "khaama"])
def site(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[str], bool]]:
    seen: list[str] = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("Site", (_Site,), {"seen": seen, "wp_api": request.param}))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", seen, request.param
    httpd.shutdown()
    httpd.server_close()


def crawl(base: str, spider: str, known: dict[str, datetime] | None = None) -> dict[str, Any]:
    source = {"start_urls": [base + "/"], "feeds": [base + "/feed/"], "allowed_domains": ["127.0.0.1"]}
    return run_crawl(spider, source, known)


def test_first_crawl_finds_every_article_once_through_every_input(site):
    base, seen, wp_api = site
    expected = [base + path for path in (ARTICLES if wp_api else ARTICLES[:3] + ARTICLES[4:])]

    result = crawl(base, "khaama" if wp_api else "news")

    stats = result["stats"]
    assert result["items"] == sorted(expected)
    assert not [key for key in stats if key.startswith("newsarchive/spider/fetch_errors")]
    assert stats["newsarchive/spider/articles_requested"] == len(expected) + 1  # + the one robots.txt forbids
    assert sorted(path for path in seen if path.startswith("/story-")) == sorted(url[len(base) :] for url in expected)
    assert stats["robotstxt/forbidden"] == 1  # the sitemap's /private/ article: robots.txt obeyed
    assert stats["newsarchive/spider/sitemap_loop"] == 1
    assert stats["newsarchive/spider/sitemap_skipped"] == 1
    assert stats["newsarchive/spider/absent/feed"] == 1  # the feed's ?paged=2
    assert stats["newsarchive/discovery/sitemap"] == 3
    assert stats["newsarchive/discovery/feed"] == 2
    assert stats["newsarchive/discovery/listing"] == 2
    assert ("/wp-json/wp/v2/posts" in [path.split("?")[0] for path in seen]) is wp_api
    assert seen.count("/robots.txt") == 2  # RobotsTxtMiddleware's and discovery's own


def test_second_crawl_refetches_nothing_unchanged(site):
    base, seen, wp_api = site
    captured = datetime.now(UTC) - timedelta(minutes=5)
    known = {base + path: captured for path in ARTICLES}

    result = crawl(base, "khaama" if wp_api else "news", known)

    assert result["items"] == []
    assert result["stats"]["newsarchive/spider/articles_requested"] == 1  # the private one, refused by robots.txt
    assert result["stats"]["newsarchive/spider/skipped_known"] >= 4
    assert not [path for path in seen if path.startswith("/story-")]
