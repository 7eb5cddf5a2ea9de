"""Misbehaving endpoints under /faults/ (never linked from the normal site), for fault-tolerance tests and benches.

Opt-in: served only by a publisher built with this module's mount, ``ReplicaPublisher(site, mounts=[MOUNT])`` (or
``python -m replica --faults``); a default publisher, the one ``newsarchive demo`` serves, answers every
``/faults/...`` path with the theme's 404.

- ``/faults/slow/?seconds=S``: waits S seconds (default 5, max 120) before answering a small page.
- ``/faults/drip/?seconds=S``: sends headers at once, then the body in pieces over S seconds.
- ``/faults/truncated/``: Content-Length promises the whole article page, half is sent, then the connection closes.
- ``/faults/truncated-chunked/``: chunked body that stops before the terminating chunk.
- ``/faults/reset/``: closes the connection without any response.
- ``/faults/wrong-charset/``: the newest article (UTF-8, Dari text) labelled ``charset=ISO-8859-1`` in the header.
- ``/faults/wrong-charset-utf8/``: the opposite lie, the commoner one: an English article in windows-1252 bytes
  (typographic quotes, an apostrophe, accents) labelled UTF-8 in the header and in ``<meta charset>``.
  ``/faults/wrong-charset-utf8-feed/`` lists it (and nothing else).
- ``/faults/redirect-loop/`` ↔ ``/faults/redirect-loop/b/``: 302s forever.
- ``/faults/redirect-chain/N/``: N 301 hops, then the newest article.
- ``/faults/huge/?mb=N``: an N MB (default 50) chunked HTML page.
- ``/faults/endless/page/N/``: a listing whose "next page" link never ends.
- ``/faults/status/CODE/``: an HTML page with that status (503 and 429 carry ``Retry-After: 1``, or
  ``?retry_after=S``).
- ``/faults/empty/``: 200 with an empty body.
- ``/faults/gzip-bomb/?mb=N``: ``Content-Encoding: gzip`` whose body inflates to N MB (default 64) of spaces.
- ``/faults/binary/``: binary bytes (a PNG header, NULs, high bytes) served as ``text/html; charset=UTF-8``.
- ``/faults/bad-feed/``: an RSS feed that is not well-formed XML (undefined entity, unclosed elements).
- ``/faults/sitemap-index.xml``: a sitemap index listing itself and ``/faults/sitemap-index-b.xml``, which lists
  the first again and the real ``/post-sitemap.xml`` (a loop, with articles still reachable through it).
- ``/faults/offsite-redirect/``: 302 to ``http://offsite.example/…``, a host no source names.
- ``/faults/private-redirect/``: 302 to the newest article on ``localhost`` (a name that resolves to loopback),
  ``?via=redirect`` added so it is not the feed's own ``localhost`` item.
- ``/faults/feed/``: an RSS feed whose items are the misbehaving pages above, as if they were articles.
- ``/faults/private-feed/``: an RSS feed whose items point at loopback, private and link-local addresses.
- ``/faults/heavy/?paragraphs=N``: a well-formed article of N (default 20,000) paragraphs, about 2.4 MB: seconds
  of extraction where a news page takes milliseconds. ``/faults/heavy-feed/`` lists it (and nothing else).

Two more mounts change the site itself rather than add routes: ``missing(prefix)`` (a part of the site that is not
there) and ``unavailable(status)`` (every path fails).
"""

from __future__ import annotations

import functools
import gzip
import re
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from replica._resource import HTML, RSS, YOAST_XML, Fault, Resource, redirect
from replica._router import Mount, ReplicaRouter

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

_MAX_WAIT = 120.0


def resolve(router: ReplicaRouter, path: str, query: dict[str, str]) -> Resource | Fault:
    """The answer for ``path`` under ``/faults/`` (an unknown one: the theme's 404)."""
    base = router.base
    if path == "/faults/slow/":
        return Fault("slow", lambda h: _slow(h, _seconds(query, 5.0)))
    if path == "/faults/drip/":
        return Fault("drip", lambda h: _drip(h, _seconds(query, 5.0)))
    if path == "/faults/truncated/":
        return Fault("truncated", lambda h: _truncated(h, _newest_page(router)))
    if path == "/faults/truncated-chunked/":
        return Fault("truncated-chunked", lambda h: _truncated_chunked(h, _newest_page(router)))
    if path == "/faults/reset/":
        return Fault("reset", _reset)
    if path == "/faults/wrong-charset/":
        return Resource(200, _newest_page(router), "text/html; charset=ISO-8859-1", compressible=False)
    if path == "/faults/wrong-charset-utf8/":
        return Resource(200, _windows_1252_page(base), HTML, compressible=False)
    if path == "/faults/redirect-loop/":
        return redirect(f"{base}/faults/redirect-loop/b/", 302)
    if path == "/faults/redirect-loop/b/":
        return redirect(f"{base}/faults/redirect-loop/", 302)
    if path == "/faults/huge/":
        return Fault("huge", lambda h: _huge(h, int(query.get("mb", "50")) * 1024 * 1024))
    if path == "/faults/empty/":
        return Resource(200, b"", HTML, compressible=False)
    return _hostile(router, path, query) or _numbered(router, path, query)


MOUNT = Mount("/faults/", resolve)
"""The hook that installs these routes: ``ReplicaPublisher(site, mounts=[MOUNT])``."""


def missing(prefix: str) -> Mount:
    """Every path under ``prefix`` answers the theme's 404, as on a site that has none of it: ``missing("/page/")``
    (the home page links a ``/page/2/`` that is not there), ``missing("/wp-json")`` (no WordPress API)."""
    return Mount(prefix, lambda router, path, query: router.not_found())


def unavailable(status: int = 503) -> Mount:
    """Every path answers ``status`` (no ``Retry-After``): a publisher that is down behind its proxy."""
    body = b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>Down.</body></html>"
    return Mount("/", lambda router, path, query: Resource(status, body, HTML))


FEED_ITEMS = (
    "/faults/slow/?seconds=20",
    "/faults/drip/?seconds=1",
    "/faults/reset/",
    "/faults/status/500/",
    "/faults/status/503/?retry_after=3",
    "/faults/status/429/?retry_after=3",
    "/faults/truncated/",
    "/faults/truncated-chunked/",
    "/faults/gzip-bomb/",
    "/faults/huge/?mb=3",
    "/faults/redirect-loop/",
    "/faults/offsite-redirect/",
    "/faults/wrong-charset/",
    "/faults/binary/",
    "/faults/empty/",
)
"""The items of ``/faults/feed/``: one of each misbehaviour a page can show, listed as if it were an article."""

OFFSITE_URL = "http://offsite.example/news/moved-elsewhere-12345/"
LINK_LOCAL_URL = "http://169.254.169.254/latest/meta-data/iam-security-credentials-12345/"


def private_urls(router: ReplicaRouter) -> list[str]:
    """Loopback by name and by address (v4 and v6), and the cloud metadata address: what an SSRF would reach."""
    port = urlsplit(router.base).port
    path = _newest_path(router)
    return [
        f"http://localhost:{port}{path}",
        f"http://127.0.0.2:{port}{path}",
        f"http://[::1]:{port}{path}",
        LINK_LOCAL_URL,
    ]


def _hostile(router: ReplicaRouter, path: str, query: dict[str, str]) -> Resource | None:
    base = router.base
    if path == "/faults/gzip-bomb/":
        headers = [("Content-Encoding", "gzip")]
        return Resource(200, _bomb(int(query.get("mb", "64"))), HTML, headers, compressible=False)
    if path == "/faults/binary/":
        return Resource(200, _BINARY, HTML, compressible=False)
    if path == "/faults/bad-feed/":
        return Resource(200, _BAD_FEED.replace("{base}", base).encode(), RSS, compressible=False)
    if path in ("/faults/sitemap-index.xml", "/faults/sitemap-index-b.xml"):
        other = "/faults/sitemap-index-b.xml" if path.endswith("index.xml") else "/post-sitemap.xml"
        urls = list(dict.fromkeys([base + path, base + "/faults/sitemap-index.xml", base + other]))
        return Resource(200, _sitemap_index(urls), YOAST_XML)
    if path == "/faults/offsite-redirect/":
        return redirect(OFFSITE_URL, 302)
    if path == "/faults/private-redirect/":
        return redirect(private_urls(router)[0] + "?via=redirect", 302)
    if path == "/faults/feed/":
        return Resource(200, _feed(base, "Faults", [base + item for item in FEED_ITEMS]).encode(), RSS)
    if path == "/faults/private-feed/":
        items = [*private_urls(router), base + "/faults/private-redirect/"]
        return Resource(200, _feed(base, "Private", items).encode(), RSS)
    if path == "/faults/heavy/":
        return Resource(200, _heavy_page(int(query.get("paragraphs", "20000"))), HTML)
    if path == "/faults/heavy-feed/":
        return Resource(200, _feed(base, "Heavy", [base + "/faults/heavy/"]).encode(), RSS)
    if path == "/faults/wrong-charset-utf8-feed/":
        return Resource(200, _feed(base, "Charset", [base + "/faults/wrong-charset-utf8/"]).encode(), RSS)
    return None


WINDOWS_1252_TITLE = "\u201cCaf\u00e9 society\u201d isn\u2019t over, say the owners"
WINDOWS_1252_PARAGRAPHS = (
    "The caf\u00e9 on the corner reopened on Monday after two years of works, and the queue reached the bakery.",
    "\u201cWe never thought we\u2019d see it again,\u201d said a neighbour who has ordered"
    " the same cr\u00e8me br\u00fbl\u00e9e there since 1987.",
    "The owners\u2019 r\u00e9sum\u00e9 of the works is short: new floors, old chairs, and the na\u00efve mural kept.",
    "Prices went up by a euro \u2014 \u201cthe price of butter,\u201d the chef explained \u2014 and nobody complained.",
)
"""What ``/faults/wrong-charset-utf8/`` says; every character here exists in windows-1252."""


def _windows_1252_page(base: str) -> bytes:
    """An article whose bytes are windows-1252 while its header and ``<meta>`` say UTF-8 (a re-saved template)."""
    title = escape(WINDOWS_1252_TITLE)
    paragraphs = "".join(f"<p>{escape(text)}</p>" for text in WINDOWS_1252_PARAGRAPHS)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title><link rel='canonical' href='{base}/faults/wrong-charset-utf8/'>"
        "<meta property='og:type' content='article'>"
        "<meta property='article:published_time' content='2024-01-01T08:00:00+00:00'>"
        f"</head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode("cp1252")


@functools.cache
def _heavy_page(paragraphs: int) -> bytes:
    """An article page of ``paragraphs`` paragraphs, each in its own block with a link (built once per size)."""
    blocks = "".join(
        f"<div class='block-{i % 7}'><p>Paragraph {i} of a very long report, with words enough to read as text. "
        f"<a href='/faults/heavy/{i}/'>More</a></p></div>"
        for i in range(max(paragraphs, 1))
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>A very long report</title></head>"
        f"<body><article><h1>A very long report</h1>{blocks}</article></body></html>"
    ).encode()


@functools.cache
def _bomb(megabytes: int) -> bytes:
    """A small gzip body that inflates to ``megabytes`` MB (compressed once per size, then cached)."""
    compressor_input = b"<!DOCTYPE html><html><body>" + b" " * (max(megabytes, 1) * 1024 * 1024)
    return gzip.compress(compressor_input, compresslevel=9, mtime=0)


_BINARY = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16 + b"\x00" * 4096 + b"\xff\xfe<html>\x00\x00"

_BAD_FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Broken &nbsp; feed</title>
<item><title>Unclosed <b>title</title><link>{base}/faults/never-closed/</link>
<item><title>Nested item</title><description><![CDATA[ unterminated
"""


def _sitemap_index(urls: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{escape(url)}</loc></sitemap>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
    ).encode()


def _feed(base: str, title: str, links: list[str]) -> str:
    items = "".join(
        f"<item><title>{escape(title)} {i}</title><link>{escape(url)}</link>"
        f"<pubDate>Mon, 01 Jan 2024 00:00:{i:02d} +0000</pubDate></item>"
        for i, url in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{escape(base)}/</link><description>{escape(title)}</description>"
        f"{items}</channel></rss>"
    )


def _numbered(router: ReplicaRouter, path: str, query: dict[str, str]) -> Resource:
    base = router.base
    if match := re.fullmatch(r"/faults/redirect-chain/(\d+)/", path):
        hops = int(match.group(1))
        if hops > 0:
            return redirect(f"{base}/faults/redirect-chain/{hops - 1}/")
        articles = router.site.articles
        return redirect(base + router.site.article_path(articles[0])) if articles else router.not_found()
    if match := re.fullmatch(r"/faults/endless/page/(\d+)/", path):
        return Resource(200, _endless(router, int(match.group(1))).encode("utf-8"), HTML)
    if match := re.fullmatch(r"/faults/status/(\d{3})/", path):
        status = int(match.group(1))
        wait = query.get("retry_after", "1")
        headers = [("Retry-After", wait if wait.isdigit() else "1")] if status in (429, 503) else []
        body = f"<!DOCTYPE html><html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
        return Resource(status, body.encode(), HTML, headers)
    return router.not_found()


def _seconds(query: dict[str, str], default: float) -> float:
    try:
        return min(_MAX_WAIT, max(0.0, float(query.get("seconds", default))))
    except ValueError:
        return default


def _newest_path(router: ReplicaRouter) -> str:
    articles = router.site.articles
    return router.site.article_path(articles[0]) if articles else "/"


def _newest_page(router: ReplicaRouter) -> bytes:
    site = router.site
    if not site.articles:
        return router.not_found().body
    resource = router.resolve(site.article_path(site.articles[0]))
    return resource.body if isinstance(resource, Resource) else b""


def _headers(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str]) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()


def _stopping(handler: BaseHTTPRequestHandler):
    return handler.server.stopping  # type: ignore[attr-defined]


def _slow(handler: BaseHTTPRequestHandler, seconds: float) -> int:
    if _stopping(handler).wait(seconds):
        handler.close_connection = True
        return 0
    body = b"<!DOCTYPE html><html><head><title>Slow</title></head><body><p>Finally.</p></body></html>"
    _headers(handler, 200, {"Content-Type": HTML, "Content-Length": str(len(body))})
    handler.wfile.write(body)
    return 200


def _drip(handler: BaseHTTPRequestHandler, seconds: float) -> int:
    pieces = [b"<!DOCTYPE html><html><head><title>Drip</title></head><body>"]
    pieces += [f"<p>Piece {i} of a slowly sent page.</p>".encode() for i in range(10)] + [b"</body></html>"]
    _headers(handler, 200, {"Content-Type": HTML, "Content-Length": str(sum(map(len, pieces)))})
    try:
        for piece in pieces:
            handler.wfile.write(piece)
            handler.wfile.flush()
            if _stopping(handler).wait(seconds / len(pieces)):
                break
    except (BrokenPipeError, ConnectionResetError):
        # The client went away mid-drip (a timeout, a killed crawl): what this endpoint is for.
        handler.close_connection = True
    return 200


def _truncated(handler: BaseHTTPRequestHandler, body: bytes) -> int:
    _headers(handler, 200, {"Content-Type": HTML, "Content-Length": str(len(body)), "Connection": "close"})
    handler.wfile.write(body[: len(body) // 2])
    handler.wfile.flush()
    handler.close_connection = True
    return 200


def _truncated_chunked(handler: BaseHTTPRequestHandler, body: bytes) -> int:
    _headers(handler, 200, {"Content-Type": HTML, "Transfer-Encoding": "chunked", "Connection": "close"})
    handler.wfile.write(_chunk(body[: len(body) // 2]))
    handler.wfile.flush()
    handler.close_connection = True
    return 200


def _reset(handler: BaseHTTPRequestHandler) -> int:
    handler.close_connection = True
    return 0


def _huge(handler: BaseHTTPRequestHandler, size: int) -> int:
    _headers(handler, 200, {"Content-Type": HTML, "Transfer-Encoding": "chunked"})
    filler = b"<p>" + b"All work and no play makes a huge page. " * 24 + b"</p>\n"
    block = filler * max(1, 65536 // len(filler))
    sent = 0
    try:
        handler.wfile.write(_chunk(b"<!DOCTYPE html><html><head><title>Huge</title></head><body>\n"))
        while sent < size and not _stopping(handler).is_set():
            piece = block[: size - sent]
            handler.wfile.write(_chunk(piece))
            sent += len(piece)
        handler.wfile.write(_chunk(b"</body></html>\n") + b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        # The client gave up on purpose (a size limit); that is the point of this endpoint.
        handler.close_connection = True
    return 200


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n"


def _endless(router: ReplicaRouter, page: int) -> str:
    site, base = router.site, router.base
    links = "".join(f'<li><a href="{base}{site.article_path(a)}">{escape(a.title)}</a></li>' for a in site.articles[:3])
    return (
        f"<!DOCTYPE html><html><head><title>Archive page {page}</title>"
        f'<link rel="next" href="{base}/faults/endless/page/{page + 1}/"></head><body>'
        f"<ul>{links}</ul>"
        f'<a class="next page-numbers" href="{base}/faults/endless/page/{page + 1}/">Next</a></body></html>'
    )
