"""The SSRF guard: non-public addresses refused unless the source names the host."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from crawler.downloadermiddlewares.ssrf import SsrfGuardMiddleware, is_forbidden_address


def guard(*named: str) -> SsrfGuardMiddleware:
    crawler = get_crawler(settings_dict={"NEWSARCHIVE_SSRF_ALLOWED_HOSTS": list(named)})
    return SsrfGuardMiddleware.from_crawler(crawler)


def passes(middleware: SsrfGuardMiddleware, url: str) -> bool:
    try:
        asyncio.run(middleware.process_request(Request(url)))
    except IgnoreRequest:
        return False
    return True


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_forbidden_addresses(address):
    assert is_forbidden_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(address):
    assert not is_forbidden_address(address)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/", "http://10.0.0.5/feed/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:81/"],
)
def test_literal_private_addresses_blocked_and_counted(url):
    middleware = guard("www.example-news.test")

    assert not passes(middleware, url)
    assert middleware.crawler.stats.get_value("newsarchive/ssrf/blocked") == 1


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "data:text/plain,hello", "ftp://www.example-news.test/x", "s3://b/k"]
)
def test_non_web_schemes_blocked_even_on_named_hosts(url):
    middleware = guard("www.example-news.test")

    assert not passes(middleware, url)
    assert middleware.crawler.stats.get_value("newsarchive/ssrf/blocked") == 1


def test_loopback_allowed_when_the_source_names_it():
    middleware = guard("127.0.0.1", "::1")

    assert passes(middleware, "http://127.0.0.1:8080/feed/")
    assert passes(middleware, "http://[::1]:8080/")
    assert not passes(middleware, "http://127.0.0.2/")


def test_named_domain_covers_subdomains():
    middleware = guard("example-news.test")

    assert middleware.is_named("www.example-news.test")
    assert middleware.is_named("example-news.test")
    assert not middleware.is_named("evil-example-news.test")


def test_public_literal_address_passes():
    assert passes(guard(), "http://93.184.216.34/")


def test_can_be_switched_off():
    with pytest.raises(NotConfigured):
        SsrfGuardMiddleware.from_crawler(get_crawler(settings_dict={"NEWSARCHIVE_SSRF_ENABLED": False}))


# --- a real crawl in a subprocess: hostname resolution through the reactor, redirect hops ---------------------------

CRAWL = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

class Probe(scrapy.Spider):
    name = "probe"
    async def start(self):
        yield scrapy.Request(sys.argv[1], callback=self.parse, errback=self.failed)
    def parse(self, response):
        self.crawler.stats.set_value("probe/status", response.status)
    def failed(self, failure):
        self.crawler.stats.set_value("probe/failed", type(failure.value).__name__)

process = CrawlerProcess({
    "REMOTE_CONTROL_ENABLED": False, "TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
    "LOG_LEVEL": "ERROR", "COOKIES_ENABLED": False,
    "DOWNLOADER_MIDDLEWARES": {"crawler.downloadermiddlewares.ssrf.SsrfGuardMiddleware": 50},
    "NEWSARCHIVE_SSRF_ALLOWED_HOSTS": json.loads(sys.argv[2]),
})
crawler = process.create_crawler(Probe)
process.crawl(crawler)
process.start()
print(json.dumps({k: v for k, v in crawler.stats.get_stats().items() if k.startswith(("probe/", "newsarchive/"))}))
"""


class _Handler(BaseHTTPRequestHandler):
    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.path)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_port}/secret")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[int, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port, seen
    httpd.shutdown()
    httpd.server_close()


def crawl(url: str, named: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CRAWL, url, json.dumps(named)], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_resolved_hostname_blocked_unless_named(server):
    port, seen = server

    blocked = crawl(f"http://localhost:{port}/page", ["www.example-news.test"])
    assert blocked == {"newsarchive/ssrf/blocked": 1, "probe/failed": "IgnoreRequest"}
    assert seen == []

    allowed = crawl(f"http://localhost:{port}/page", ["localhost"])
    assert allowed == {"probe/status": 200}
    assert seen == ["/page"]


def test_redirect_hop_to_an_unnamed_private_host_blocked(server):
    port, seen = server

    stats = crawl(f"http://127.0.0.1:{port}/redirect", ["127.0.0.1"])

    assert stats == {"newsarchive/ssrf/blocked": 1, "probe/failed": "IgnoreRequest"}
    assert seen == ["/redirect"]
