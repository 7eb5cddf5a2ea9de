"""How faithfully a browser capture is recorded: three ways of writing a rendered page's traffic, compared.

- ``events``: the DevTools protocol's network events (Playwright ``page.on("response")`` + ``response.body()``),
  written as WARC records by us: bodies arrive decoded, so ``Content-Encoding`` must go, and there is no request
  as sent (the browser's view of it only).
- ``warcprox``: Chromium through the warcprox recording proxy (when its ``warcprox`` command is installed:
  ``NEWSARCHIVE_WARCPROX`` or the PATH; ``pip install warcprox`` in a venv of its own).
- ``downloader``: ours, every browser request fetched by the crawl's Scrapy downloader (``crawler.render``).

Measured for each, on the replica's script-built front page: what the origin served vs what is recorded
(coverage), stored bodies equal to the bytes the origin sends (``wire``) and, decoded, to its content
(``content``), headers equal to the origin's, and replay in pywb loaded in headless Chromium: archive misses
(404s from pywb) and leaks (requests that reached the live origin during replay).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from bench.server import free_port
from crawler.render.chromium import DEFAULT_EXECUTABLE, ChromiumProcess
from crawler.render.page import SCROLL_SCRIPT
from crawler.warc import records
from crawler.warc.writer import WarcFileWriter
from replica import ReplicaPublisher

IGNORED_HEADERS = frozenset({"date", "content-length", "transfer-encoding", "connection", "keep-alive"})
PREFIX = "/browser/"


@dataclass
class Fidelity:
    approach: str
    served: int
    """Distinct URLs under /browser/ the origin answered during the capture."""
    recorded: int
    """Of those, recorded as a response (or revisit) record."""
    wire_exact: int
    content_exact: int
    headers_exact: int
    with_request: int
    """Responses with a request record beside them."""
    replay_misses: int
    replay_leaks: int
    seconds: float

    def line(self) -> str:
        return (
            f"{self.approach:>10}: recorded {self.recorded}/{self.served} served, bodies wire-exact "
            f"{self.wire_exact}, content-exact {self.content_exact}, headers-exact {self.headers_exact}, "
            f"with request {self.with_request}; pywb replay: {self.replay_misses} misses, {self.replay_leaks} "
            f"leaks; capture {self.seconds:.2f} s"
        )


def warcprox_command() -> str | None:
    found = os.environ.get("NEWSARCHIVE_WARCPROX") or shutil.which("warcprox")
    return found if found and os.access(found, os.X_OK) else None


# --- capturing with a bare browser --------------------------------------------------------------------------------

Exchange = tuple[str, int, list[tuple[str, str]], list[tuple[str, str]], bytes]
"""(url, status, response headers, request headers, body) as the browser reports them."""


async def _browse(url: str, proxy: str, keep_events: bool) -> list[Exchange]:
    """Load, settle, scroll, settle: what ``crawler.render.page`` does, without interception."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    seen: list[Exchange] = []
    pending: list[asyncio.Future[None]] = []

    async def body_of(response) -> None:  # type: ignore[no-untyped-def]
        try:
            body = await response.body()
            headers = [(h["name"], h["value"]) for h in await response.headers_array()]
            request_headers = [(h["name"], h["value"]) for h in await response.request.headers_array()]
        except PlaywrightError:
            return  # a redirect has no body to give: that hop is lost to this approach
        seen.append((response.url, response.status, headers, request_headers, body))

    chromium = ChromiumProcess(DEFAULT_EXECUTABLE, 512, proxy=proxy)
    try:
        endpoint = await chromium.start()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.connect_over_cdp(endpoint)
            context = await browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
            page = await context.new_page()
            if keep_events:
                page.on("response", lambda response: pending.append(asyncio.ensure_future(body_of(response))))
            await page.goto(url, wait_until="load")
            await page.wait_for_load_state("networkidle")
            await page.evaluate(SCROLL_SCRIPT, {"step": 800, "pause": 100, "maxSteps": 40})
            await page.wait_for_load_state("networkidle")
            await asyncio.gather(*pending)
            await context.close()
    finally:
        chromium.kill()
    return seen


def capture_with_events(url: str, out: Path) -> float:
    """The page loaded straight from the origin; each response event written as a response + request record."""
    started = time.monotonic()
    exchanges = asyncio.run(_browse(url, "", keep_events=True))
    writer = WarcFileWriter(out, "events", warcinfo={"software": "bench/render_fidelity events"})
    for response_url, status, headers, request_headers, body in exchanges:
        date = records.warc_date(datetime.now(UTC))
        # The body is the decoded one: a Content-Encoding header kept would make the record unreadable.
        kept = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers if n.lower() != "content-encoding"]
        head = records.response_head("HTTP/1.1", status, kept, len(body))
        response = records.response_record(response_url, head, body, record_id=records.new_record_id(), date=date)
        target = urlsplit(response_url)
        request_head = records.RawStatusAndHeaders(f"{target.path or '/'} HTTP/1.1", request_headers, protocol="GET")
        request = records.request_record(
            response_url,
            request_head,
            b"",
            record_id=records.new_record_id(),
            date=date,
            concurrent_to=response.rec_headers.get_header("WARC-Record-ID"),
        )
        writer.write_group([response, request])
    writer.close()
    return time.monotonic() - started


def capture_with_warcprox(url: str, out: Path, command: str) -> float:
    """The page loaded through warcprox (Chromium's proxy, loopback not bypassed); its WARCs closed on SIGTERM."""
    port = free_port()
    out.mkdir(parents=True, exist_ok=True)
    # warcprox refuses loopback origins and has no option for it; the replica lives there: lift it for this run.
    python = str(Path(command).parent / "python")
    launch = (
        "import sys, warcprox.warcproxy as w, warcprox.main as m;"
        " w.WarcProxyHandler.allow_localhost = True; m.main(sys.argv[1:])"
    )
    options = ["-b", "127.0.0.1", "-p", str(port), "-d", str(out), "-z", "-n", "warcprox", "-q"]
    arguments = [python, "-c", launch, "warcprox", *options]
    proxy = subprocess.Popen(arguments, cwd=out, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_listening(port)
        started = time.monotonic()
        asyncio.run(_browse(url, f"http://127.0.0.1:{port}", keep_events=False))
        seconds = time.monotonic() - started
    finally:
        proxy.send_signal(signal.SIGTERM)
        proxy.wait(30)
    return seconds


def _wait_listening(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


# --- judging a WARC --------------------------------------------------------------------------------------------------


@dataclass
class Recorded:
    url: str
    headers: list[tuple[str, str]]
    payload: bytes
    """As stored (still content-encoded when the record says so)."""
    has_request: bool


def recorded_responses(files: list[Path]) -> dict[str, Recorded]:
    """The first response record per URL under /browser/ (revisits resolve to nothing new here)."""
    found: dict[str, Recorded] = {}
    requests: set[str] = set()
    for path in files:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                if record.rec_type == "request":
                    requests.add(uri)
                if record.rec_type != "response" or not urlsplit(uri).path.startswith(PREFIX) or uri in found:
                    continue
                headers = list(record.http_headers.headers)
                found[uri] = Recorded(uri, headers, record.raw_stream.read(), False)
    for uri, item in found.items():
        item.has_request = uri in requests
    return found


def origin(url: str, accept_encoding: str) -> tuple[list[tuple[str, str]], bytes]:
    """What the origin sends for ``url`` with that Accept-Encoding: headers and the bytes on the wire."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(
        "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers={"Accept-Encoding": accept_encoding}
    )
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    return answer.getheaders(), body


def _comparable(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted((name.lower(), value) for name, value in headers if name.lower() not in IGNORED_HEADERS)


def _decoded(item: Recorded) -> bytes:
    encoding = next((v for n, v in item.headers if n.lower() == "content-encoding"), "")
    return gzip.decompress(item.payload) if encoding == "gzip" else item.payload


def judge(approach: str, files: list[Path], served: set[str], seconds: float, replay: tuple[int, int]) -> Fidelity:
    recorded = recorded_responses(files)
    wire = content = headers = with_request = 0
    for url, item in recorded.items():
        wire_headers, wire_body = origin(url, "gzip")
        _, plain = origin(url, "identity")
        wire += item.payload == wire_body
        content += _decoded(item) == plain
        headers += _comparable(item.headers) == _comparable(wire_headers)
        with_request += item.has_request
    hits = len(served & set(recorded))
    return Fidelity(approach, len(served), hits, wire, content, headers, with_request, *replay, seconds)


def served_urls(publisher: ReplicaPublisher) -> set[str]:
    return {publisher.base_url + entry.path for entry in publisher.requests if entry.path.startswith(PREFIX)}


# --- replay in pywb --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def pywb(files: list[Path], folder: Path) -> Iterator[str]:
    """``wb-manager`` collection of ``files`` served by ``wayback`` on a free port; its base URL."""
    binaries = Path(sys.executable).parent
    folder.mkdir(parents=True, exist_ok=True)
    quiet = {"cwd": folder, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    subprocess.run([str(binaries / "wb-manager"), "init", "bench"], **quiet)
    subprocess.run([str(binaries / "wb-manager"), "add", "bench", *map(str, files)], **quiet)
    port = free_port()
    server = subprocess.Popen(
        [str(binaries / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening(port)
        yield f"http://127.0.0.1:{port}/bench"
    finally:
        server.terminate()
        server.wait(20)


def replay(files: list[Path], folder: Path, page_url: str, publisher: ReplicaPublisher) -> tuple[int, int]:
    """(misses, leaks) of ``page_url`` replayed by pywb (frameless, latest capture) in headless Chromium."""
    with pywb(files, folder) as base:
        publisher.clear_requests()
        misses = asyncio.run(_replay_misses(f"{base}/29991231000000mp_/{page_url}", base))
        leaks = len(served_urls(publisher))
    return misses, leaks


async def _replay_misses(url: str, base: str) -> int:
    from playwright.async_api import async_playwright

    misses: list[str] = []
    chromium = ChromiumProcess(DEFAULT_EXECUTABLE, 512, proxy="")
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.connect_over_cdp(await chromium.start())
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            page = await context.new_page()
            page.on("response", lambda r: misses.append(r.url) if r.status == 404 and r.url.startswith(base) else None)
            await page.goto(url, wait_until="load")
            await page.wait_for_load_state("networkidle")
            await page.evaluate(SCROLL_SCRIPT, {"step": 800, "pause": 100, "maxSteps": 40})
            await page.wait_for_load_state("networkidle")
            await context.close()
    finally:
        chromium.kill()
    return len(misses)
